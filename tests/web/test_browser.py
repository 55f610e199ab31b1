"""The one-tap page in a real headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium), at a phone's width: a link taken from a reminder the DingTalk robot posted, marked done with a
count, and /overdue's view no longer lists the item; an expired, a tampered and a reused link each refused
in plain words.

`make chromium` (part of `make test`) installs Debian's packages when missing. Screenshots go to the test's
folder; with ZHIRI_SCREENSHOTS=1 they are also written to docs/screenshots/ (committed for the issue's note).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait
from sqlalchemy.engine import Engine
from sqlmodel import select

from domain.model import CheckResult
from storage.db import session_scope
from storage.models import HalfMonthAnswer, Item
from storage.queries import OverdueView, actor_for, overdue_view
from storage.queries import Speaker as Who
from tests.conftest import at
from tests.routine.conftest import LEADER_TG
from tests.web.conftest import DAY, PUBLIC, Clock, Day, routine_day
from web.app import create_app

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PHONE = (390, 844)  # CSS pixels of a common phone
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("Debian's chromium and chromium-driver are needed: run `make chromium` (apt-get install)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--lang=zh-CN",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": PHONE[0], "height": PHONE[1], "pixelRatio": 1.0}}
    )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def served(robot_day: Day) -> Iterator[tuple[str, Clock]]:
    """The page on a local port (uvicorn in a thread), its clock an hour after the reminders went out."""
    yield from serve(robot_day, Clock(DAY + timedelta(hours=1)))


def serve(day: Day, clock: Clock) -> Iterator[tuple[str, Clock]]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(day.web, clock), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the page did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", clock
    finally:
        server.should_exit = True
        thread.join(10)


def local(url: str, base: str) -> str:
    assert url.startswith(PUBLIC)
    return base + url.removeprefix(PUBLIC)


def shot(driver: webdriver.Chrome, tmp_path: Path, name: str, *, keep: bool = True) -> None:
    # The whole page at the phone's width: the window grows to the page's height for the picture.
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(PHONE[0], max(PHONE[1], height))
    path = tmp_path / name
    assert driver.save_screenshot(str(path))
    if keep and os.environ.get("ZHIRI_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SHOTS / name)


def overdue_paths(day: Day, clock: Clock) -> list[str]:
    with session_scope(day.engine) as s:
        view = overdue_view(s, clock.now, actor_for(s, Who(LEADER_TG, "李局长"), ()), day.judge, None)
    assert isinstance(view, OverdueView)
    return [i.path for u in view.units for i in u.items]


def answered(browser: webdriver.Chrome) -> None:
    """Wait for the form's answer, a new page headed 已登记 (the form's own heading never says it; a loaded
    machine may take a while; never sleep). While the old page is replaced, Chromium may answer about its
    elements with an "unknown error" (a node no longer in the document) rather than a stale element: both
    mean "not yet"."""
    wait = WebDriverWait(browser, 30, ignored_exceptions=(WebDriverException,))
    wait.until(lambda d: "已登记" in d.find_element(By.TAG_NAME, "h1").text)


def text(driver: webdriver.Chrome) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_webmaster_marks_an_item_done_from_a_robot_reminder_on_a_phone(
    robot_day: Day, served: tuple[str, Clock], browser: webdriver.Chrome, tmp_path: Path
) -> None:
    base, clock = served
    done = robot_day.link("✅ 已更新：财政预决算", "【逾期提醒】")
    assert "政务公开 / 财政预决算" in overdue_paths(robot_day, clock)

    browser.get(local(done, base))
    page = text(browser)
    assert "登记已更新" in page and "政务公开 / 财政预决算" in page and "已逾期6天" in page
    assert "2周内更新" in page and "市财政局" in page
    # Readable on a phone: the page is laid out at the phone's width, the button is a big tap target.
    assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    button = browser.find_element(By.CSS_SELECTOR, "button[type=submit]")
    assert button.size["height"] >= 48 and button.size["width"] >= PHONE[0] - 40
    browser.find_element(By.ID, "count").send_keys("2")
    browser.find_element(By.ID, "note").send_keys("发布了三季度预算执行情况")
    shot(browser, tmp_path, "web-done-form.png")
    button.click()
    # The form's answer is a new page: wait for it (a loaded machine may take a while), never sleep.
    answered(browser)

    page = text(browser)
    assert "已登记" in page and "财政预决算（2条），备注：发布了三季度预算执行情况" in page
    assert "正常" in page
    shot(browser, tmp_path, "web-done-logged.png")
    assert "政务公开 / 财政预决算" not in overdue_paths(robot_day, clock)

    # The same link tapped again.
    browser.get(local(done, base))
    page = text(browser)
    assert "这个链接已经用过了" in page and "9月30日 10:00" in page and "财政预决算（2条" in page
    shot(browser, tmp_path, "web-link-used.png")

    # A link altered by hand.
    browser.get(local(done, base)[:-4] + "AAAA")
    assert "链接无效" in text(browser) and "不完整或被改动过" in text(browser)

    # The list link: the unit's items and what is late, now without 财政预决算.
    browser.get(local(robot_day.link("查看本单位清单", "【日查】"), base))
    page = text(browser)
    assert "本单位清单" in page and "财政专项" in page and "没有逾期的栏目和账号" in page
    shot(browser, tmp_path, "web-unit-list.png")

    # A week and a minute later, an unused link has expired.
    clock.now = DAY + timedelta(days=7, minutes=1)
    browser.get(local(robot_day.link("✅ 已更新：财政专项", "【当日预警】"), base))
    page = text(browser)
    assert "链接已过期" in page and "/done" in page
    shot(browser, tmp_path, "web-link-expired.png", keep=False)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_robot_groups_checklist_part_is_answered_on_one_page(
    engine: Engine, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    """16 October: the DingTalk group's half-month checklist (12 items) comes in two parts, each with one
    link; the first part's page lists its 10 items, 正常 chosen for each; one is turned to 有问题 with its fix
    typed, and one submit answers all ten."""
    check_day = at("2026-10-16 09:00")
    day = next(routine_day(engine, check_day, more=10))
    url = day.link("逐项检查并登记（第1—10项）", "【半月查】")
    with contextmanager(serve)(day, Clock(check_day + timedelta(hours=1))) as (base, _clock):
        answer_on_the_page(browser, tmp_path, engine, local(url, base))


def answer_on_the_page(browser: webdriver.Chrome, tmp_path: Path, engine: Engine, url: str) -> None:
    browser.get(url)
    page = text(browser)
    assert "2026年10月下半月检查" in page and "共10项" in page and "政务公开 / 专栏01" in page
    assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    radios = browser.find_elements(By.CSS_SELECTOR, "input[type=radio][value=ok]")
    assert len(radios) == 10 and all(r.is_selected() for r in radios)
    with session_scope(engine) as s:
        bad = s.exec(select(Item.id).where(Item.name == "专栏03")).one()
    choice = browser.find_element(By.CSS_SELECTOR, f"input[name=r{bad}][value=bad]")
    choice.find_element(By.XPATH, "..").click()  # the label, as a finger taps it
    assert choice.is_selected()
    browser.find_element(By.ID, f"n{bad}").send_keys("栏目首页图片链接失效，已重新上传")
    browser.find_element(By.ID, "name").send_keys("王五")
    shot(browser, tmp_path, "web-checklist.png")
    button = browser.find_element(By.CSS_SELECTOR, "button[type=submit]")
    button.click()
    answered(browser)
    assert "专栏03 有问题：栏目首页图片链接失效，已重新上传" in text(browser)
    shot(browser, tmp_path, "web-checklist-done.png")
    with session_scope(engine) as s:
        rows = s.exec(select(HalfMonthAnswer)).all()
    assert len(rows) == 10
    assert {r.item_id for r in rows if r.result == CheckResult.PROBLEM} == {bad}
    assert {r.name for r in rows} == {"王五"}
