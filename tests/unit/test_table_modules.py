"""Each module's table file can be imported first: it loads `store.tables`, which loads the others, and every
module's tables end up in `TABLE_OF` (a script importing, say, `store.batch_tables` first once crashed on a
circular import)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kechuang.store.tables import MODULE_TABLES, TABLE_OF

PROBE = "import kechuang.store.{0}; from kechuang.store.tables import TABLE_OF; print(len(TABLE_OF))"


@pytest.mark.parametrize("module", sorted(m.__name__.rsplit(".", 1)[1] for m in MODULE_TABLES))
def test_a_table_module_imported_first_registers_every_table(module):
    done = subprocess.run([sys.executable, "-c", PROBE.format(module)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(TABLE_OF)
    assert all(cls in TABLE_OF for m in MODULE_TABLES for cls in m.TABLE_OF)
