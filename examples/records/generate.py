"""Generate a one-stop system's export of dossiers (one row a dossier), seeded, as CSV.

    python examples/records/generate.py                         # the shipped file: dossiers.csv (2,000 rows)
    python examples/records/generate.py --rows 10000000 -o /tmp/dossiers.csv   # ten million rows (~1 GB)

The columns are named as such exports name them (in ASCII, snake case):

    ma_ho_so           the dossier's code
    ma_don_vi          the unit that handles it
    ngay_tiep_nhan     received on (YYYY-MM-DD)
    ngay_hen_tra       due on
    ngay_tra_ket_qua   resolved on (empty while the dossier is open)
    kenh_nop           the channel: "Trực tuyến", "Trực tiếp", "Bưu chính công ích"
    qua_mot_cua        received through the one-stop system: true/false
    muc_do             the service level (2, 3 or 4)
    so_ngay_xu_ly      days taken (empty while open)

The same seed gives the same file, row for row.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import random
import sys

UNITS = ["VPB", "TTCNTT", "CucSHTT", "TCTDC", "CucATBXHN", "VuKHTC", "CucSHTT_HCM", "TCTC", "CucTTKHCN",
         "VuPC"]
CHANNELS = ["Trực tuyến", "Trực tiếp", "Bưu chính công ích"]
HEADER = ["ma_ho_so", "ma_don_vi", "ngay_tiep_nhan", "ngay_hen_tra", "ngay_tra_ket_qua", "kenh_nop",
          "qua_mot_cua", "muc_do", "so_ngay_xu_ly"]


def rows(n: int, seed: int, first: datetime.date, last: datetime.date, units: int):
    rnd = random.Random(seed)
    span = (last - first).days + 1
    names = UNITS[:units] if units <= len(UNITS) else UNITS + [f"DV{i:02d}" for i in range(len(UNITS), units)]
    for i in range(n):
        received = first + datetime.timedelta(days=rnd.randrange(span))
        # online grows over the years: from 5% in 2019 to 40% in 2025
        year_share = 0.05 + 0.06 * max(0, received.year - 2019)
        channel = CHANNELS[0] if rnd.random() < year_share else CHANNELS[1 + (rnd.random() < 0.1)]
        allowed = rnd.choice((5, 7, 10, 15, 20))
        due = received + datetime.timedelta(days=allowed)
        taken = max(1, int(rnd.gauss(allowed * 0.8, allowed * 0.35)))
        open_ = rnd.random() < 0.02
        resolved = None if open_ else received + datetime.timedelta(days=taken)
        yield [
            f"HS{i:09d}",
            names[rnd.randrange(len(names))],
            received.isoformat(),
            due.isoformat(),
            "" if resolved is None else resolved.isoformat(),
            channel,
            "true" if rnd.random() < 0.6 + 0.06 * max(0, received.year - 2019) else "false",
            rnd.choice((2, 3, 3, 4)),
            "" if resolved is None else taken,
        ]


def _at_least_one(text: str) -> int:
    """A count of the command line: a whole number, 1 or more."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text} is not 1 or more")
    return n


def _day(text: str) -> datetime.date:
    """A day of the command line, YYYY-MM-DD."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day written YYYY-MM-DD (2020-12-31)") from None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=_at_least_one, default=2000, help="how many dossiers, 1 or more (default 2000)")
    p.add_argument("--seed", type=int, default=676)
    p.add_argument("--units", type=_at_least_one, default=10, help="how many units, 1 or more (default 10)")
    p.add_argument("--from", dest="first", type=_day, default="2019-01-01",
                   help="first day received (default 2019-01-01)")
    p.add_argument("--to", dest="last", type=_day, default="2020-12-31", help="last day received (default 2020-12-31)")
    p.add_argument("-o", "--output", default="examples/records/dossiers.csv", help="the CSV file to write ('-': stdout)")
    a = p.parse_args(argv)  # (a bad option: argparse's message and exit 2)
    first, last = a.first, a.last
    if first > last:
        p.error(f"--from {first.isoformat()} is after --to {last.isoformat()}: no day to receive dossiers on")
    try:
        out = sys.stdout if a.output == "-" else open(a.output, "w", encoding="utf-8", newline="")
    except OSError as exc:
        p.error(f"-o {a.output}: cannot write: {exc.strerror or exc}")
    try:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows(a.rows, a.seed, first, last, a.units))
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
