# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker backup`` (SQLite's online backup, while the app runs) and ``smaakmaker restore`` into a
new instance, where the audit chain verifies."""

from __future__ import annotations

import shutil

from .instances import Instance, free_port


def test_backup_while_running_restores_into_a_new_instance_where_the_chain_verifies(instance, tmp_path):
    instance.server(free_port())  # the app keeps running during the backup
    instance.worker()
    target = tmp_path / "backup.sqlite3"
    made = instance.command("backup", str(target))
    assert "integrity checked" in made.stdout
    again = instance.command("backup", str(target), check=False)
    assert again.returncode != 0 and "exists already" in again.stderr  # never overwrites a backup
    original = instance.query(
        "SELECT count(*), max(hash) FROM access_auditrecord WHERE action = 'backup.create'"
    )
    assert original[0][0] == 1

    fresh = Instance(tmp_path / "restored")
    fresh.var_dir.mkdir()
    shutil.copy(instance.var_dir / "secret_key", fresh.var_dir / "secret_key")  # kept with the backup
    restored = fresh.command("restore", str(target))
    assert "Restored" in restored.stdout
    fresh.command("migrate", "--no-input", "-v", "0")
    verified = fresh.command("audit", "verify")
    assert "Chains intact" in verified.stdout
    copied = fresh.query("SELECT count(*) FROM access_auditrecord")[0][0]
    assert (
        copied
        == instance.query(
            "SELECT count(*) FROM access_auditrecord WHERE id <= ?",
            (fresh.query("SELECT max(id) FROM access_auditrecord")[0][0],),
        )[0][0]
    )
    assert fresh.query("SELECT count(*) FROM cases_signal") == instance.query(
        "SELECT count(*) FROM cases_signal"
    )

    refused = fresh.command("restore", str(target), check=False)
    assert refused.returncode != 0 and "holds a database already" in refused.stderr


def test_restore_refuses_a_file_that_is_not_a_smaakmaker_backup(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    fresh = Instance(tmp_path / "new")
    fresh.var_dir.mkdir()
    result = fresh.command("restore", str(junk), check=False)
    assert result.returncode != 0 and "not an SQLite database" in result.stderr
    assert not fresh.database.exists() or fresh.database.stat().st_size == 0
