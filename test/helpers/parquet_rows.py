"""Reads Parquet files with pyarrow or DuckDB (independent readers) and prints their rows as one
JSON array in a canonical form the tests compare with sluice's JSON output: timestamps as
microseconds since the epoch (UTC), dates as ISO text, decimals as plain text, binary as base64,
maps as objects, and null fields left out of objects (the JSON writer's ignoreNullFields).

stdin: {"reader": "pyarrow" | "duckdb", "files": [path, ...], "columns": [name, ...] | null}
"""
import base64
import datetime
import decimal
import json
import sys

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def canon(v):
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        if v and isinstance(v[0], tuple):  # pyarrow's map: a list of (key, value)
            return {k: canon(x) for k, x in v}
        return [canon(x) for x in v]
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        d = v - EPOCH
        return (d.days * 86400 + d.seconds) * 1000000 + d.microseconds
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return format(v, 'f')
    if isinstance(v, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(v)).decode('ascii')
    return v


def with_pyarrow(files, columns):
    import pyarrow.parquet as pq
    rows = []
    for f in files:
        # ParquetFile: the file alone, no partition columns inferred from its path.
        rows.extend(pq.ParquetFile(f).read(columns=columns).to_pylist())
    return rows


def with_duckdb(files, columns):
    import duckdb
    con = duckdb.connect()
    rows = []
    for f in files:
        desc = con.execute('DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = false)', [f]).fetchall()
        names = [d[0] for d in desc if columns is None or d[0] in columns]
        types = {d[0]: d[1] for d in desc}
        # TIMESTAMP WITH TIME ZONE would need pytz in Python; epoch_us is exact.
        exprs = [f'epoch_us("{n}") AS "{n}"' if types[n].startswith('TIMESTAMP') else f'"{n}"' for n in names]
        cur = con.execute(f'SELECT {", ".join(exprs)} FROM read_parquet(?, hive_partitioning = false)', [f])
        for r in cur.fetchall():
            rows.append(dict(zip(names, r)))
    return rows


def main():
    req = json.load(sys.stdin)
    read = with_pyarrow if req['reader'] == 'pyarrow' else with_duckdb
    rows = read(req['files'], req.get('columns'))
    json.dump([canon(r) for r in rows], sys.stdout)


main()
