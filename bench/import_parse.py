"""How long parsing a registry spreadsheet takes: a realistic 5,000-person .xlsx (and .csv).

    python -m bench.import_parse [--persons 5000] [--seed 1]

Generates persons with careers (5 posts, 3 appraisals, 2 degrees, 2 trainings, 4 family members,
1 reward each; a sanction for one in ten), writes them in the import layout, and times
`workflows.registry.importer.parse` on the file. Only parsing: the storage part comes later.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import time
from datetime import date, timedelta

from openpyxl import Workbook

from workflows.registry import idcard, vocab
from workflows.registry.importer import parse
from workflows.registry.importer.layout import SHEETS

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
UNITS = ["区发改局", "区财政局", "区教育局", "某镇", "某街道", "区委组织部", "区卫健委", "区交通局"]


def _id(rng: random.Random, born: date, used: set[str]) -> str:
    while True:
        first17 = f"{rng.choice(['110105', '320102', '440304'])}{born:%Y%m%d}{rng.randrange(1000):03d}"
        number = first17 + idcard.check_character(first17)
        if number not in used:
            used.add(number)
            return number


def generate(persons: int, seed: int = 1) -> dict[str, list[list]]:
    """Rows per sheet name (the persons sheet first); cells as a clerk's Excel would hold them."""
    rng = random.Random(seed)
    rows: dict[str, list[list]] = {sheet.name: [] for sheet in SHEETS}
    used: set[str] = set()
    for _ in range(persons):
        born = date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 25))
        number = _id(rng, born, used)
        work = date(born.year + 22, 7, 1)
        rows["persons"].append([number, rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                                rng.choice("男女"), born, "汉族", "河北保定", "北京", date(work.year + 2, 7, 1), work,
                                "健康", ""])
        rows["education"] += [[number, "全日制教育", "大学本科", "某大学", "经济学"],
                              [number, "在职教育", "硕士研究生", "区委党校", "管理学"]]
        start = work
        for step in range(5):
            end = start + timedelta(days=rng.randrange(700, 1500)) if step < 4 else None
            level = vocab.LEVELS[min(step, 3)][1] if step else ""
            rows["posts"].append([number, rng.choice(UNITS), f"职务{step}", level, start, end,
                                  "是" if step < 2 else "否", None, None])
            start = end or start
        rows["appraisals"] += [[number, year, rng.choice(["优秀", "称职", "称职", "称职"])] for year in (2023, 2024, 2025)]
        if rng.randrange(10) == 0:
            rows["sanctions"].append([number, rng.choice(["诫勉", "党内警告", "记过"]), date(2024, 5, 10)])
        rows["training"] += [[number, "中青年干部培训班", "区委党校", date(y, 3, 1), date(y, 6, 30), 200]
                             for y in (2019, 2024)]
        rows["family"] += [[number, relation, rng.choice(SURNAMES) + rng.choice(GIVEN), date(1950, 1, 1), "群众",
                            "退休", "否"] for relation in ("配偶", "儿子", "父亲", "母亲")]
        rows["rewards"].append([number, "优秀共产党员", date(2021, 7, 1), "区委"])
    return rows


def to_xlsx(rows: dict[str, list[list]]) -> bytes:
    book = Workbook(write_only=True)
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.zh)
        ws.append([c.zh for c in sheet.columns])
        for row in rows[sheet.name]:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(rows: dict[str, list[list]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for sheet in SHEETS:
        writer.writerow([f"[{sheet.zh}]"])
        writer.writerow([c.zh for c in sheet.columns])
        for row in rows[sheet.name]:
            writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row])
    return out.getvalue().encode("utf-8")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--persons", type=int, default=5000)
    options.add_argument("--seed", type=int, default=1)
    args = options.parse_args()
    rows = generate(args.persons, args.seed)
    total = sum(len(r) for r in rows.values())
    for kind, build in (("xlsx", to_xlsx), ("csv", to_csv)):
        content = build(rows)
        started, cpu = time.perf_counter(), time.process_time()
        result = parse(content, f"registry.{kind}")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert not result.errors, result.errors[:3]
        assert len(result.persons) == args.persons
        # CPU time too: on a shared machine the wall time says more about the neighbours
        print(f"{kind}: {args.persons} persons, {total} rows, {len(content) / 1e6:.1f} MB: parsed in {seconds:.1f} s "
              f"wall, {cpu:.1f} s CPU ({total / seconds:,.0f} rows/s wall); load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
