"""The starting lists shipped with the platform: 27 key-people categories and the measure rules of
the national plan of June 2022 (9th edition), with the local 7+3 for high-risk arrivals. The
district edits them; these are data, loaded once by migration 0002."""

from datetime import date

# (code, name, test every N days, default measure, entry, keywords)
CATEGORIES = [
    ("close_contact", "密切接触者", 0, "centralised", "contact", ""),
    ("secondary_contact", "密接的密接", 0, "home_quarantine", "contact", ""),
    ("inbound", "入境人员", 0, "centralised", "travel", ""),
    ("risk_area_arrival", "中高风险地区来（返）人员", 0, "home_quarantine", "travel", ""),
    ("fever_clinic", "发热门诊患者", 1, "home_monitoring", "manual", ""),
    ("inpatient_carer", "新入院患者及陪护人员", 1, "", "manual", ""),
    ("medical_staff", "医务人员", 1, "routine_monitoring", "occupation", "医院,卫生院,诊所,卫生服务中心"),
    ("port_staff", "口岸及机场工作人员", 1, "routine_monitoring", "occupation", "机场,口岸,海关,航空"),
    ("quarantine_site_staff", "隔离场所工作人员", 1, "routine_monitoring", "occupation", "隔离点,隔离酒店"),
    ("prison_staff", "监所工作人员", 1, "routine_monitoring", "occupation", "监狱,看守所,戒毒所"),
    ("elderly_care", "养老机构工作人员", 2, "routine_monitoring", "occupation", "养老院,敬老院,福利院"),
    ("cold_chain", "冷链从业人员", 1, "routine_monitoring", "occupation", "冷链,冷库,冷冻,进口食品"),
    (
        "courier",
        "快递外卖人员",
        2,
        "routine_monitoring",
        "occupation",
        "快递,外卖,顺丰,中通,圆通,申通,韵达,美团,饿了么",
    ),
    ("taxi_driver", "出租车网约车司机", 2, "routine_monitoring", "occupation", "出租,网约车,滴滴"),
    ("public_transport", "公共交通从业人员", 2, "routine_monitoring", "occupation", "公交,地铁,客运"),
    ("construction", "建筑工人", 3, "routine_monitoring", "occupation", "建筑,工地,建设,施工"),
    ("casual_labour", "零工", 3, "routine_monitoring", "manual", ""),
    ("market_staff", "农贸市场从业人员", 2, "routine_monitoring", "occupation", "市场,菜市场,农贸"),
    ("hotel_staff", "酒店宾馆从业人员", 2, "routine_monitoring", "occupation", "酒店,宾馆,旅馆,民宿"),
    ("supermarket_staff", "商超从业人员", 3, "routine_monitoring", "occupation", "超市,商超,商场,便利店"),
    ("restaurant_staff", "餐饮从业人员", 3, "routine_monitoring", "occupation", "餐饮,饭店,餐厅,饭馆"),
    ("truck_driver", "货车司机", 2, "routine_monitoring", "occupation", "物流,货运,运输"),
    ("sanitation", "环卫工人", 3, "routine_monitoring", "occupation", "环卫,保洁"),
    ("school_staff", "教师及学校工作人员", 3, "routine_monitoring", "occupation", "学校,小学,中学,幼儿园"),
    ("students", "在校学生", 7, "", "manual", ""),
    ("factory_worker", "工厂企业员工", 7, "routine_monitoring", "occupation", "富士康,工厂,制造,电子,科技"),
    ("urban_fringe", "城乡结合部居民", 7, "", "manual", ""),
]

PLAN_2022 = date(2022, 6, 28)
REFERENCE = "新型冠状病毒肺炎防控方案（第九版）"

# (name, trigger, category code or None, risk level, within days, priority, phases)
# phases: [(kind, days, test days, checks per day)]
POLICIES = [
    (
        "高风险地区来（返）人员 7+3",
        "travel", None, "high", 7, 20,
        [("centralised", 7, [1, 2, 3, 5, 7], 2), ("home_monitoring", 3, [3], 2)],
    ),
    (
        "中风险地区来（返）人员 7天居家隔离",
        "travel", None, "medium", 7, 10,
        [("home_quarantine", 7, [1, 4, 7], 2)],
    ),
    (
        "密切接触者 7+3",
        "category", "close_contact", "", None, 30,
        [("centralised", 7, [1, 2, 3, 5, 7], 2), ("home_monitoring", 3, [3], 2)],
    ),
    (
        "密接的密接 7天居家隔离",
        "category", "secondary_contact", "", None, 25,
        [("home_quarantine", 7, [1, 4, 7], 2)],
    ),
    (
        "入境人员 7+3",
        "category", "inbound", "", None, 30,
        [("centralised", 7, [1, 2, 3, 5, 7], 2), ("home_monitoring", 3, [3], 2)],
    ),
    (
        "发热门诊患者 居家健康监测",
        "category", "fever_clinic", "", None, 5,
        [("home_monitoring", 3, [1, 3], 2)],
    ),
]  # fmt: skip


def load(Category, MeasurePolicy, PolicyPhase) -> None:
    by_code = {}
    for position, (code, name, interval, measure, entry, keywords) in enumerate(CATEGORIES, start=1):
        by_code[code], _ = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "test_interval_days": interval,
                "default_measure": measure,
                "entry": entry,
                "keywords": keywords,
                "position": position,
            },
        )
    for name, trigger, category, level, within, priority, phases in POLICIES:
        if MeasurePolicy.objects.filter(name=name).exists():
            continue
        policy = MeasurePolicy.objects.create(
            name=name,
            trigger=trigger,
            category=by_code.get(category),
            risk_level=level,
            within_days=within,
            priority=priority,
            valid_from=PLAN_2022,
            basis_reference=REFERENCE,
        )
        for order, (kind, days, test_days, checks) in enumerate(phases, start=1):
            PolicyPhase.objects.create(
                policy=policy, order=order, kind=kind, days=days, test_days=test_days, checks_per_day=checks
            )
