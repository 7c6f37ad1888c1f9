"""Write examples/nq17_national/data.json: made-up reports of eight bodies.

The figures are invented for the tutorial (docs/tutorial.md), chosen so that
the rules of rules/nq17_national.kpi show every rule status.  Run from the
repository root: ``python examples/nq17_national/make_data.py``.
"""

import json
import pathlib

PERIODS = ("2019-Q2", "2019-Q4", "2020-Q2", "2020-Q4")

# unit: per period (dossiers handled, of them online, of them through the one-stop system)
DOSSIERS = {
    "BNV": [(2000, 110, 1900), (2100, 168, 2050), (2150, 260, 2150), (2200, 374, 2200)],
    "BTC": [(90000, 21000, 90000), (95000, 24000, 95000), (98000, 30000, 98000), (99000, 34650, 99000)],
    "BTP": [(12000, 1200, 11000), (12500, 1800, 12000), (13000, 2400, 13000), (13200, 2772, 13200)],
    "BTTTT": [(8000, 2400, 8000), (8200, 2800, 8200), (8400, 3000, 8400), (8500, 3400, 8500)],
    "HN": [(150000, 30000, 150000), (155000, 33000, 155000), (160000, 38000, 160000), (161000, 45080, 161000)],
    "HCM": [(170000, 28000, 168000), (175000, 31000, 175000), (180000, 36000, 180000), (182000, 40040, 182000)],
    "DN": [(40000, 9000, 40000), (41000, 10000, 41000), (42000, 11000, 42000), (43000, 12040, 43000)],
    "CB": [(9000, 500, 8000), (9200, 700, 9000), (9300, 900, 9300), None],  # stopped reporting in 2020-Q4
}

# unit: (e-gov users, of them with e-ID) in 2020-Q4; earlier periods scale down
USERS = {"BNV": (5000, 600), "BTC": (400000, 120000), "BTP": (60000, 9000), "BTTTT": (20000, 5000),
         "HN": (900000, 160000), "HCM": (1100000, 190000), "DN": (200000, 60000)}

# unit: (online services, level 4, level 3/4, level 3/4 integrated, public services, with Q&A) in 2020-Q4
SERVICES = {"BNV": (40, 10, 30, 6, 60, 60), "BTC": (400, 160, 380, 140, 450, 450),
            "BTP": (120, 30, 100, 28, 150, 150), "BTTTT": (80, 40, 78, 30, 90, 90),
            "HN": (1200, 420, 1100, 330, 1800, 1800), "HCM": (1300, 380, 1200, 200, 1900, 1900),
            "DN": (900, 350, 850, 300, 1100, 1100)}

MOBILE = {"BNV": 3, "BTC": 1, "BTP": 2, "BTTTT": 0, "HN": 2, "HCM": 1, "DN": 0, "CB": 9}  # index of first period with it
AXIS = {"BNV": 0, "BTC": 0, "BTP": 1, "BTTTT": 0, "HN": 0, "HCM": 0, "DN": 2, "CB": 9}


def snapshots() -> list:
    out = []
    for unit, rows in DOSSIERS.items():
        for i, (period, row) in enumerate(zip(PERIODS, rows)):
            if row is None:
                continue
            handled, online, one_stop = row
            values = {"dossiers_handled": handled, "dossiers_online": online, "dossiers_one_stop": one_stop,
                      "mobile_portal": i >= MOBILE[unit], "document_axis_connected": i >= AXIS[unit]}
            share = (i + 1) / 4  # figures grow towards their 2020-Q4 values
            if unit in USERS:
                users, eid = USERS[unit]
                values["egov_users"] = users
                values["eid_verified_users"] = round(eid * share)
            if unit in SERVICES:
                online_s, l4, l34, l34i, public, qa = SERVICES[unit]
                values.update(online_services=online_s, services_level4=round(l4 * share),
                              services_level34=l34, services_level34_integrated=round(l34i * share),
                              public_services=public, services_with_qa=round(qa * (0.7 + 0.1 * i)))
            out.append({"period": period, "unit": unit, "values": values})
    return out


def main() -> None:
    here = pathlib.Path(__file__).parent
    text = json.dumps({"snapshots": snapshots()}, ensure_ascii=False, indent=1)
    (here / "data.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
