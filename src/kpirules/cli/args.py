"""Options that several subcommands share, defined once."""

from __future__ import annotations

import argparse
from typing import Any

from kpirules.data import Data, load_data


def add_data_options(p: argparse.ArgumentParser) -> None:
    """``--data FILE`` (repeatable) and ``--number-format vi|en``."""
    p.add_argument("--data", metavar="FILE", action="append", required=True,
                   help="reported data: JSON, CSV or .xlsx (repeat to merge several files)")
    p.add_argument("--number-format", choices=("vi", "en"), default=None,
                   help="how CSV/.xlsx numbers are written: vi (1.234,5) or en (1,234.5); "
                        "without it an ambiguous number such as 1.234 is an error")


def read_data(args: argparse.Namespace, plan: Any = None) -> Data:
    """The data named by :func:`add_data_options`' options; with ``plan``, refused (a KpiDataError, exit 2)
    when it shares no metric, task or event with the plan: it cannot be that plan's data."""
    data = load_data(args.data, number_format=args.number_format)
    if plan is not None:
        plan.check_data(data)
    return data
