"""Writes the pyarrow-made Parquet fixtures of ParquetRowReaderTest (pyarrow 25).

The files stand for what the Hugging Face hub serves: pyarrow is the writer behind `datasets`
and the hub's Parquet conversion. Run from this folder: python make_fixtures.py
"""
import datetime
import decimal

import pyarrow as pa
import pyarrow.parquet as pq

message = pa.struct([("role", pa.string()), ("content", pa.string())])

# A TRL preference set: chats as lists of {role, content}; ZSTD, three row groups.
trl = pa.table(
    {
        "prompt": ["2+2?", "Capital of France?", "Say hi", "Empty?", "Null content"],
        "chosen": [
            [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}],
            [{"role": "user", "content": "Capital of France?"},
             {"role": "assistant", "content": "Paris"}],
            [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "héllo ✓"}],
            [],
            [{"role": "assistant", "content": None}],
        ],
        "rejected": [
            [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "5"}],
            [{"role": "user", "content": "Capital of France?"},
             {"role": "assistant", "content": "Lyon"}],
            None,
            [],
            [None],
        ],
        "score_chosen": [9.0, 8.5, 7.25, None, 1.0],
    },
    schema=pa.schema(
        [
            ("prompt", pa.string()),
            ("chosen", pa.list_(message)),
            ("rejected", pa.list_(message)),
            ("score_chosen", pa.float64()),
        ]
    ),
)
pq.write_table(trl, "trl-preference.zstd.parquet", compression="zstd", row_group_size=2)

# PKU-SafeRLHF-like: strings, booleans, int64, a struct of booleans; SNAPPY.
harm = pa.struct([("Endangering National Security", pa.bool_()), ("Insulting Behavior", pa.bool_())])
pku = pa.table(
    {
        "prompt": ["How do I pick a lock?", "Tell me a joke", "Is it safe?", "Last"],
        "response_0": ["Use a pick.", "Why did...", "Yes.", "A"],
        "response_1": ["I can't help.", "No.", "Maybe.", "B"],
        "is_response_0_safe": [False, True, None, True],
        "is_response_1_safe": [True, True, True, False],
        "better_response_id": [1, 0, 1, 0],
        "safer_response_id": [1, 0, 0, 1],
        "response_0_harm_category": [
            {"Endangering National Security": False, "Insulting Behavior": False},
            {"Endangering National Security": False, "Insulting Behavior": True},
            None,
            {"Endangering National Security": True, "Insulting Behavior": False},
        ],
    },
    schema=pa.schema(
        [
            ("prompt", pa.string()),
            ("response_0", pa.string()),
            ("response_1", pa.string()),
            ("is_response_0_safe", pa.bool_()),
            ("is_response_1_safe", pa.bool_()),
            ("better_response_id", pa.int64()),
            ("safer_response_id", pa.int64()),
            ("response_0_harm_category", harm),
        ]
    ),
)
pq.write_table(pku, "pku-saferlhf.snappy.parquet", compression="snappy")

# RLHFlow generation records: list<string> responses and list<double> rewards; GZIP and data
# page v2, the newer page layout.
gen = pa.table(
    {
        "prompt": ["p0", "p1", "p2"],
        "responses": [["a", "b", "c"], [], None],
        "rewards": [[0.5, -1.25, None], [], [3.0]],
    },
    schema=pa.schema(
        [("prompt", pa.string()), ("responses", pa.list_(pa.string())),
         ("rewards", pa.list_(pa.float64()))]
    ),
)
pq.write_table(gen, "rlhflow-gen.gzip-v2.parquet", compression="gzip", data_page_version="2.0")

# The other logical types and maps; LZ4 (pyarrow writes LZ4_RAW).
utc = datetime.timezone.utc
types = pa.table(
    {
        "i8": pa.array([-8, None], pa.int8()),
        "u32": pa.array([4_000_000_000, 0], pa.uint32()),
        "u64": pa.array([18_000_000_000_000_000_000, 1], pa.uint64()),
        "f32": pa.array([0.1, None], pa.float32()),
        "day": pa.array([datetime.date(2024, 2, 29), None], pa.date32()),
        "at_utc": pa.array(
            [datetime.datetime(2024, 2, 29, 12, 30, 15, 250000, tzinfo=utc), None],
            pa.timestamp("us", tz="UTC")),
        "at_local": pa.array([datetime.datetime(2001, 1, 2, 3, 4, 5), None], pa.timestamp("ms")),
        "clock": pa.array([datetime.time(23, 59, 58, 500000), None], pa.time64("us")),
        "price": pa.array([decimal.Decimal("-12.34"), decimal.Decimal("99999999.99")],
                          pa.decimal128(10, 2)),
        "blob": pa.array([b"\x00\xff\x10", None], pa.binary()),
        "tags": pa.array([[("a", 1), ("b", 2)], []], pa.map_(pa.string(), pa.int64())),
        "by_id": pa.array([[(7, "seven")], None], pa.map_(pa.int32(), pa.string())),
        "category": pa.array(["x", "x"]).dictionary_encode(),
    }
)
pq.write_table(types, "types.lz4.parquet", compression="lz4")
