"""The venue kinds shipped with the platform (the district edits them; data, loaded once by
migration 0004): (code, name, English name, keeps a visitor register, staff's key-people
category code or "")."""

KINDS = [
    ("hotel", "酒店", "Hotel", False, "hotel_staff"),
    ("restaurant", "饭店/餐馆", "Restaurant", False, "restaurant_staff"),
    ("supermarket", "超市", "Supermarket", False, "supermarket_staff"),
    ("market", "农贸市场", "Farmers' market", False, "market_staff"),
    ("middle_school", "中学", "Middle school", True, "school_staff"),
    ("primary_school", "小学", "Primary school", True, "school_staff"),
    ("kindergarten", "幼儿园", "Kindergarten", True, "school_staff"),
    ("enterprise", "企业/工厂", "Enterprise / factory", False, "factory_worker"),
    ("street_shop", "沿街商铺", "Street-facing shop", False, ""),
    ("construction_site", "建筑工地", "Construction site", False, "construction"),
    ("clinic", "诊所/药店", "Clinic / pharmacy", False, "medical_staff"),
    ("internet_cafe", "网吧", "Internet café", False, ""),
    ("elderly_home", "养老机构", "Care home for the elderly", False, "elderly_care"),
    ("cold_store", "冷库/冷链企业", "Cold store / cold chain", False, "cold_chain"),
]
