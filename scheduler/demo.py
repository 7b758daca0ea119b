"""The demo contact center: a bank's customer-service center with realistic people,
queues, shift templates and 15-minute contact history.

Deterministic: the same ``seed``, country and end date give the same center.  The history
has what planners see in real bank data (cf. the Technion "Anonymous Bank" and the US
bank series in ``shared/data/call-volume``): a Monday peak that decays over the week,
quiet weekends, a double-humped intraday curve, a fraud and lost-card hotline that never
sleeps, public-holiday troughs, and month-end and payday peaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

import holidays as holidays_lib
import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from optimizer.timeutil import interval_grid, to_local
from scheduler.db import local_today
from scheduler.models import (
    Agent, AgentSkill, ContactHistory, Queue, ShiftTemplate, Site, Team, User, UserRole,
)

DEMO_PASSWORD = "demo-pass-2026"

LOGIN_HELP = f"""Demo log-ins (password for all: {DEMO_PASSWORD}):
  planner     workforce planner
  supervisor  supervisor (team lead of the first team)
  trainer     trainer
  hr          HR
  admin       administrator
  agent       an agent (also agent001 .. agent150)"""

COUNTRIES: dict[str, dict] = {
    "TW": {"tz": "Asia/Taipei", "site": "台北客服中心", "code": "TPE", "locale": "zh_Hant_TW", "lang": "zh-TW;en"},
    "HK": {"tz": "Asia/Hong_Kong", "site": "香港客戶服務中心", "code": "HKG", "locale": "zh_Hant_TW", "lang": "zh-HK;en"},
    "CN": {"tz": "Asia/Shanghai", "site": "上海客服中心", "code": "SHA", "locale": "zh_Hans_CN", "lang": "zh-CN"},
    "SG": {"tz": "Asia/Singapore", "site": "Singapore Contact Centre", "code": "SIN", "locale": "en", "lang": "en;zh-SG"},
    "US": {"tz": "America/New_York", "site": "Charlotte Contact Center", "code": "CLT", "locale": "en", "lang": "en;es"},
    "GB": {"tz": "Europe/London", "site": "Leeds Contact Centre", "code": "LDS", "locale": "en", "lang": "en", "subdiv": "ENG"},
}

_SURNAMES_HANT = list("陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴徐周葉蘇莊呂江何蕭羅高")
_SURNAMES_HANS = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓")
_GIVEN_HANT = ["志明", "淑芬", "家豪", "雅婷", "俊傑", "怡君", "建宏", "美玲", "宗翰", "佳穎", "冠宇", "欣怡", "承恩", "詩涵", "柏翰", "心怡"]
_GIVEN_HANS = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英"]
_EN_FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
             "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Daniel", "Karen",
             "Priya", "Wei Ling", "Ahmad", "Siti", "Chloe", "Oliver", "Amelia", "Harry", "Grace", "Jack"]
_EN_LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson", "Taylor",
            "Clark", "Lewis", "Walker", "Hall", "Young", "Tan", "Lim", "Lee", "Ng", "Wong", "Patel", "Khan", "Evans"]


def person_name(country: str, rng: np.random.Generator) -> str:
    if country in ("TW", "HK"):
        return str(rng.choice(_SURNAMES_HANT)) + str(rng.choice(_GIVEN_HANT))
    if country == "CN":
        return str(rng.choice(_SURNAMES_HANS)) + str(rng.choice(_GIVEN_HANS))
    return f"{rng.choice(_EN_FIRST)} {rng.choice(_EN_LAST)}"


@dataclass(frozen=True)
class QueueSpec:
    code: str
    names: dict[str, str]  # by script: hant / hans / en
    color: str
    open_24_7: bool
    opens: str
    closes: str
    #: contacts on a typical Tuesday; sized so that the week's staffing requirement (with
    #: shrinkage) is close to what the demo's 146 agents can work, as in a center that is
    #: planned, not one short of half its people (the first sizes asked 2.3x the agents' hours)
    daily_volume: float
    aht: float
    weekend_factor: float
    sl_target: float
    sl_seconds: int
    shrinkage: float


QUEUE_SPECS = [
    QueueSpec("RETAIL", {"hant": "零售銀行", "hans": "零售银行", "en": "Retail banking"}, "#4e79a7", False, "08:00", "22:00", 2200, 270, 0.35, 0.80, 20, 0.32),
    QueueSpec("CARDS", {"hant": "信用卡服務", "hans": "信用卡服务", "en": "Credit cards"}, "#f28e2b", False, "08:00", "24:00", 1600, 240, 0.55, 0.80, 20, 0.32),
    QueueSpec("WEALTH", {"hant": "財富管理", "hans": "财富管理", "en": "Wealth and investments"}, "#76b7b2", False, "09:00", "18:00", 380, 420, 0.0, 0.80, 30, 0.30),
    QueueSpec("FRAUD", {"hant": "盜刷及掛失專線", "hans": "盗刷及挂失专线", "en": "Fraud and lost-card hotline"}, "#e15759", True, "00:00", "24:00", 600, 330, 0.85, 0.90, 15, 0.30),
    QueueSpec("COMPLAINTS", {"hant": "客訴處理", "hans": "客诉处理", "en": "Complaints"}, "#b07aa1", False, "09:00", "21:00", 250, 540, 0.4, 0.75, 60, 0.30),
]

#: (team, queue skills, count, share able to work nights)
TEAM_SPECS = [
    ("Retail A", ["RETAIL", "CARDS"], 30, 0.1),
    ("Retail B", ["RETAIL"], 28, 0.1),
    ("Cards", ["CARDS", "RETAIL"], 30, 0.3),
    ("Wealth", ["WEALTH", "RETAIL"], 14, 0.0),
    ("Fraud & Lost Card", ["FRAUD", "CARDS"], 30, 0.8),
    ("Complaints", ["COMPLAINTS", "RETAIL", "CARDS"], 14, 0.1),
]

SHIFT_TEMPLATES = [
    # code, name, start, length, unpaid break, kind, colour
    ("E", "Early", "07:00", 540, 60, "early", "#9ecae9"),
    ("D", "Day", "09:00", 540, 60, "day", "#59a14f"),
    ("M", "Mid", "11:00", 540, 60, "day", "#8cd17d"),
    ("L", "Late", "14:00", 540, 60, "late", "#f1ce63"),
    ("EV", "Evening", "16:00", 480, 30, "late", "#ff9d9a"),
    ("N", "Night", "22:00", 540, 60, "night", "#5f4b8b"),
    ("P1", "Part-time morning", "09:00", 300, 0, "part", "#bab0ac"),
    ("P2", "Part-time evening", "17:00", 300, 0, "part", "#d4a6c8"),
]


#: Team and shift-template names for the Chinese-speaking sites (English elsewhere).
LOCAL_NAMES = {
    "hant": {"Retail A": "零售一組", "Retail B": "零售二組", "Cards": "信用卡組", "Wealth": "財富管理組",
             "Fraud & Lost Card": "盜刷掛失組", "Complaints": "客訴組", "Early": "早班", "Day": "日班",
             "Mid": "中班", "Late": "晚班", "Evening": "夜間班", "Night": "大夜班",
             "Part-time morning": "兼職早班", "Part-time evening": "兼職晚班"},
    "hans": {"Retail A": "零售一组", "Retail B": "零售二组", "Cards": "信用卡组", "Wealth": "财富管理组",
             "Fraud & Lost Card": "盗刷挂失组", "Complaints": "客诉组", "Early": "早班", "Day": "白班",
             "Mid": "中班", "Late": "晚班", "Evening": "小夜班", "Night": "夜班",
             "Part-time morning": "兼职早班", "Part-time evening": "兼职晚班"},
}


def database_has_users(session: Session) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(User)) > 0


def default_end_date(today: date | None = None, tz: str = "UTC") -> date:
    """History ends on the last Sunday before today, so forecasts start on a Monday.

    ``today`` defaults to the date at the site (``tz``), not the machine's: on a Sunday
    evening in UTC it is Monday in Taipei, and a demo built from the machine's date would
    open on the week that has just ended there."""
    today = today or local_today(tz)
    return today - timedelta(days=(today.weekday() + 1) % 7 or 7)


def _script(country: str) -> str:
    return {"TW": "hant", "HK": "hant", "CN": "hans"}.get(country, "en")


def _intraday_profile(spec: QueueSpec, minutes: np.ndarray) -> np.ndarray:
    """Share of a day's contacts by local minute-of-day: two humps (late morning, early
    afternoon) for branch-hour queues; a low overnight floor for the 24/7 hotline."""
    h = minutes / 60.0
    shape = 1.0 * np.exp(-0.5 * ((h - 10.5) / 1.6) ** 2) + 0.85 * np.exp(-0.5 * ((h - 14.5) / 1.9) ** 2)
    shape += 0.35 * np.exp(-0.5 * ((h - 19.5) / 1.5) ** 2)
    if spec.open_24_7:
        shape = shape + 0.12
    else:
        oh, om = map(int, spec.opens.split(":"))
        ch, cm = map(int, spec.closes.split(":"))
        shape = np.where((minutes >= oh * 60 + om) & (minutes < ch * 60 + cm), shape, 0.0)
    return shape


def _day_factor(spec: QueueSpec, d: date, hol: holidays_lib.HolidayBase) -> float:
    weekday_factor = [1.22, 1.08, 1.0, 0.98, 1.04, spec.weekend_factor, spec.weekend_factor * 0.8][d.weekday()]
    if spec.code == "WEALTH" and d.weekday() >= 5:
        return 0.0
    factor = weekday_factor
    if d in hol:
        factor *= 0.9 if spec.open_24_7 else 0.3
    next_month = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    days_to_month_end = (next_month - d).days
    if days_to_month_end <= 2 and spec.code in ("RETAIL", "CARDS", "COMPLAINTS"):
        factor *= 1.18  # statements and card due dates
    if d.day in (5, 25) and spec.code in ("RETAIL", "WEALTH"):
        factor *= 1.12  # paydays
    return factor


def load(session: Session, *, country: str = "TW", seed: int = 7, weeks: int = 12,
         end_date: date | None = None, agents_total: int | None = None,
         progress: Callable[[str], None] = lambda _m: None) -> str:
    """Create the demo center in ``session`` (caller commits).  Returns a one-line summary."""
    if country not in COUNTRIES:
        raise ValueError(f"country must be one of {', '.join(COUNTRIES)}, got {country!r}")
    rng = np.random.default_rng(seed)
    c = COUNTRIES[country]
    script = _script(country)
    site = Site(code=c["code"], name=c["site"], timezone=c["tz"], country=country, week_start=6 if country == "US" else 0,
                subdivision=c.get("subdiv"),
                default_locale=c["locale"])
    session.add(site)
    session.flush()

    progress("queues and shift templates")
    queues: dict[str, Queue] = {}
    for spec in QUEUE_SPECS:
        q = Queue(site_id=site.id, code=spec.code, name=spec.names[script], color=spec.color, open_24_7=spec.open_24_7,
                  opens_at=spec.opens, closes_at=spec.closes, sl_target=spec.sl_target, sl_seconds=spec.sl_seconds,
                  max_occupancy=0.85, shrinkage=spec.shrinkage, aht_seconds=int(spec.aht),
                  staffing_model="erlang-a" if spec.code == "FRAUD" else "erlang-c",
                  patience_seconds=90 if spec.code == "FRAUD" else None)
        session.add(q)
        queues[spec.code] = q
    for code, name, start, length, brk, kind, color in SHIFT_TEMPLATES:
        session.add(ShiftTemplate(site_id=site.id, code=code, name=LOCAL_NAMES.get(script, {}).get(name, name), start=start, length_minutes=length,
                                  unpaid_break_minutes=brk, kind=kind, color=color))
    session.flush()

    progress("people")
    pw_hash = generate_password_hash(DEMO_PASSWORD)  # one slow hash, reused: demo accounts only

    def user(username: str, display: str, roles: list[str]) -> User:
        u = User(username=username, display_name=display, password_hash=pw_hash, locale=None,
                 email=f"{username}@demo-bank.example")
        u.roles = [UserRole(role=r) for r in roles]
        session.add(u)
        return u

    for username, roles in (("planner", ["planner"]), ("trainer", ["trainer"]), ("hr", ["hr"]), ("admin", ["admin"])):
        user(username, person_name(country, rng), roles)

    scale = (agents_total / sum(t[2] for t in TEAM_SPECS)) if agents_total else 1.0
    hire_base = (end_date or default_end_date(tz=site.timezone)) - timedelta(days=365 * 6)
    n = 0
    first_agent_user = None
    for t_index, (team_name, skills, count, night_share) in enumerate(TEAM_SPECS):
        team = Team(site_id=site.id, name=LOCAL_NAMES.get(script, {}).get(team_name, team_name))
        session.add(team)
        session.flush()
        count = max(3, round(count * scale))
        for i in range(count):
            n += 1
            is_sup = i < 2  # two supervisors a team: with 6 teams, 24/7 supervision is coverable
            if is_sup:
                username = "supervisor" if t_index == 0 and i == 0 else f"supervisor{t_index + 1}{i + 1}"
                roles = ["supervisor", "agent"]
            else:
                username = f"agent{n:03d}"
                roles = ["agent"]
            u = user(username, person_name(country, rng), roles)
            part_time = (not is_sup) and rng.random() < 0.12
            agent = Agent(
                user=u, employee_no=f"E{10000 + n}", team_id=team.id,
                employment_type="part_time" if part_time else "full_time",
                min_hours_week=20.0 if part_time else 36.0, max_hours_week=25.0 if part_time else 40.0,
                night_ok=bool(is_sup and team_name in ("Fraud & Lost Card", "Cards", "Retail A")) or bool(rng.random() < night_share),
                is_supervisor=is_sup, hire_date=hire_base + timedelta(days=int(rng.integers(0, 365 * 6))),
                languages=c["lang"],
            )
            agent.skills = [AgentSkill(queue_id=queues[code].id, proficiency=int(rng.integers(2, 6)) if k == 0 else int(rng.integers(1, 4)))
                            for k, code in enumerate(skills)]
            session.add(agent)
            if first_agent_user is None and not is_sup:
                first_agent_user = u
    if first_agent_user is not None:
        first_agent_user.username = "agent"
    session.flush()

    progress(f"{weeks} weeks of 15-minute history for {len(queues)} queues")
    end = end_date or default_end_date(tz=site.timezone)
    start = end - timedelta(days=7 * weeks - 1)
    days = 7 * weeks
    grid = interval_grid(start, days, 15, site.timezone)
    local = [to_local(t, site.timezone) for t in grid]
    minutes = np.array([lt.hour * 60 + lt.minute for lt in local])
    local_days = [lt.date() for lt in local]
    hol = holidays_lib.country_holidays(country, subdiv=c.get("subdiv"), years=sorted({start.year, end.year}))
    rows: list[dict] = []
    for spec in QUEUE_SPECS:
        profile = _intraday_profile(spec, minutes)
        # normalise per local day so each day's expected total equals the day's volume
        day_index = {}
        for i, d in enumerate(local_days):
            day_index.setdefault(d, []).append(i)
        lam = np.zeros(len(grid))
        trend = 1.0 + 0.0015 * np.arange(days)  # slow growth of the customer base
        for k, (d, idx) in enumerate(sorted(day_index.items())):
            total = profile[idx].sum()
            if total <= 0:
                continue
            level = spec.daily_volume * _day_factor(spec, d, hol) * trend[min(k, days - 1)]
            lam[idx] = level * profile[idx] / total
        offered = rng.poisson(lam * rng.gamma(40.0, 1 / 40.0, size=lam.shape))
        abandon_rate = np.clip(0.03 + 0.04 * (lam / max(lam.max(), 1)), 0, 0.2)
        abandoned = rng.binomial(offered, abandon_rate)
        aht = spec.aht * (1 + 0.08 * np.sin(minutes / 1440 * 2 * np.pi)) * rng.normal(1.0, 0.05, size=lam.shape)
        qid = queues[spec.code].id
        for i, t in enumerate(grid):
            if not spec.open_24_7 and profile[i] == 0:
                continue
            o = int(offered[i])
            rows.append(dict(queue_id=qid, interval_start=t, interval_minutes=15, offered=o,
                             answered=o - int(abandoned[i]), abandoned=int(abandoned[i]),
                             aht_seconds=round(float(aht[i]), 1) if o else None))
    session.execute(sa.insert(ContactHistory), rows)
    session.flush()
    return (f"{country} site {site.code}: {n} agents in {len(TEAM_SPECS)} teams, {len(queues)} queues, "
            f"{len(rows)} history intervals {start.isoformat()}..{end.isoformat()}")
