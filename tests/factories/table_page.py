"""Driving the sampling table's phone page in a browser test."""

from django.urls import reverse


def open_table(page, base_url, site, table=1):
    page.goto(base_url + reverse("testing:table", kwargs={"site_id": site.pk}) + f"?table={table}")
    page.wait_for_selector("#net-status[data-state=online]")


def type_person(page, text):
    page.fill("#person-input", text)
    page.press("#person-input", "Enter")


def queue_count(page) -> int:
    return int(page.get_attribute("#queue-count", "data-count"))


def wait_queue_empty(page, timeout=30000):
    page.wait_for_selector("#queue-count[data-count='0']", timeout=timeout)
