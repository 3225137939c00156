#!/usr/bin/env python3
"""Tests of regress/regress.py's merge and argument checks, on shard files written here."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "regress.py")


def shard(out, suite, k, n, items, rc=0):
    with open(os.path.join(out, f"{suite}.{k}.json"), "w") as f:
        json.dump({"suite": suite, "shard": k, "shards": n, "host": "h", "commands": ["c"],
                   "rc": rc, "items": items}, f)


def item(name, status="passed"):
    return {"name": name, "status": status, "seconds": 0.1, "repro": f"ctest -R '^{name}$'"}


def tool(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, TOOL] + list(args), capture_output=True, text=True, env=e)


class Merge(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def merge(self, n, suite="lockstep"):
        p = tool("merge", suite, str(n), "--out", self.out)
        report = None
        path = os.path.join(self.out, f"{suite}.report.json")
        if os.path.exists(path):
            with open(path) as f:
                report = json.load(f)
        return p, report

    def test_all_shards_passing_pass_and_the_counts_add_up(self):
        shard(self.out, "lockstep", 0, 2, [item("a"), item("b")])
        shard(self.out, "lockstep", 1, 2, [item("c"), item("d", "skipped")])
        p, r = self.merge(2)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(r["counts"], {"passed": 3, "failed": 0, "skipped": 1})
        self.assertTrue(r["ok"])

    def test_a_missing_shard_fails(self):
        shard(self.out, "lockstep", 0, 3, [item("a")])
        shard(self.out, "lockstep", 2, 3, [item("c")])
        p, r = self.merge(3)
        self.assertEqual(p.returncode, 1)
        self.assertIn("shard 1: no result", p.stdout)
        self.assertFalse(r["ok"])

    def test_a_failed_item_is_named_with_its_command(self):
        shard(self.out, "lockstep", 0, 2, [item("a")])
        shard(self.out, "lockstep", 1, 2, [item("b"), item("Array.Bad", "failed")], rc=8)
        p, r = self.merge(2)
        self.assertEqual(p.returncode, 1)
        self.assertIn("shard 1: FAILED Array.Bad; reproduce: ctest -R '^Array.Bad$'", p.stdout)
        with open(os.path.join(self.out, "lockstep.report.md")) as f:
            self.assertIn("Array.Bad", f.read())

    def test_a_shard_that_ran_nothing_fails(self):
        shard(self.out, "lockstep", 0, 2, [item("a")])
        shard(self.out, "lockstep", 1, 2, [item("b", "skipped")])
        p, _ = self.merge(2)
        self.assertEqual(p.returncode, 1)
        self.assertIn("shard 1: ran nothing", p.stdout)

    def test_a_failing_exit_code_without_a_failed_item_fails(self):
        shard(self.out, "lockstep", 0, 1, [item("a")], rc=2)
        p, _ = self.merge(1)
        self.assertEqual(p.returncode, 1)
        self.assertIn("exit code 2", p.stdout)

    def test_a_shard_of_another_split_is_refused(self):
        shard(self.out, "lockstep", 0, 4, [item("a")])
        p, _ = self.merge(1)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

    def test_an_unreadable_shard_file_is_one_line_and_exit_2(self):
        with open(os.path.join(self.out, "lockstep.0.json"), "w") as f:
            f.write("{")
        p, _ = self.merge(1)
        self.assertEqual(p.returncode, 2)
        self.assertTrue(p.stderr.startswith("regress: "), p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)


class Arguments(unittest.TestCase):
    def check_refused(self, *args, env=None):
        p = tool(*args, env=env)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertTrue(p.stderr.strip(), "no message")

    def test_bad_arguments_exit_2(self):
        with tempfile.TemporaryDirectory() as out:
            self.check_refused("merge", "nosuch", "2", "--out", out)
            self.check_refused("merge", "lockstep", "0", "--out", out)
            self.check_refused("run", "lockstep", "4", "4", "--out", out)
            self.check_refused("run", "lockstep", "x", "4", "--out", out)
            self.check_refused("run", "lockstep", "0", "1", "--out", out, "--build", out)
            self.check_refused("merge", "seeds", "1", "--out", out, env={"SWIS_SEEDS": "1 x"})
            self.check_refused("merge", "mutants", "1", "--out", out, env={"SWIS_MUTANTS": "^nosuch$"})

    def test_mutant_shards_split_the_list_without_overlap(self):
        sys.path.insert(0, HERE)
        import regress
        ids = regress.mutant_ids()
        shards = [ids[k::3] for k in range(3)]
        self.assertEqual(sorted(sum(shards, [])), sorted(ids))
        self.assertGreater(min(len(s) for s in shards), 0)


if __name__ == "__main__":
    unittest.main()
