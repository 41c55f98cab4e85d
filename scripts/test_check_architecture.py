#!/usr/bin/env python3
"""Self-tests of scripts/check-architecture.py, each on a small crate tree in a temporary folder.

    python3 scripts/test_check_architecture.py        (CI runs this from .ci/run)
"""

from __future__ import annotations

import importlib.util
import io
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "check_architecture", Path(__file__).with_name("check-architecture.py"))
checker = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = checker  # dataclasses look their module up there
_spec.loader.exec_module(checker)


class Tree:
    """A workspace on disk: crates/demo/src/<files> and docs/architecture.md with a block."""

    def __init__(self, files: dict, block: str):
        self._dir = tempfile.TemporaryDirectory()
        self.root = Path(self._dir.name)
        for rel, text in files.items():
            path = self.root / "crates" / "demo" / "src" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        doc = self.root / "docs" / "architecture.md"
        doc.parent.mkdir(parents=True)
        doc.write_text("# Architecture\n\n```architecture\ncrate demo\n"
                       + textwrap.dedent(block) + "```\n", encoding="utf-8")
        self.doc = doc

    def check(self) -> tuple[int, str]:
        out = io.StringIO()
        rc = checker.check(self.root, self.doc, with_tests=False, show_edges=False, out=out)
        return rc, out.getvalue()

    def edges(self, with_tests: bool = False) -> set:
        crate = checker.Crate("demo", self.root / "crates" / "demo" / "src")
        crate.load()
        return set(crate.edges(with_tests=with_tests))

    def close(self):
        self._dir.cleanup()


class CheckArchitectureTest(unittest.TestCase):
    def tree(self, files: dict, block: str) -> Tree:
        t = Tree(files, block)
        self.addCleanup(t.close)
        return t

    def test_circle_made_of_super_paths_is_found_and_printed(self):
        t = self.tree({
            "lib.rs": "mod graph;\n",
            "graph/mod.rs": "mod decision;\nmod error;\n",
            "graph/decision.rs": """
                use super::error::GraphError;
                pub fn is_retryable_status(s: u16) -> bool { s == 429 }
            """,
            "graph/error.rs": """
                pub struct GraphError;
                impl GraphError {
                    pub fn transient(&self, s: u16) -> bool {
                        super::decision::is_retryable_status(s)
                    }
                }
            """,
        }, """
            layer graph: graph/decision.rs graph/error.rs graph/mod.rs
            layer top: lib.rs
        """)
        rc, out = t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("CIRCLE in demo: 2 files import each other: graph/decision.rs, graph/error.rs",
                      out)
        self.assertIn("    graph/decision.rs -> graph/error.rs -> graph/decision.rs", out)
        self.assertIn("crates/demo/src/graph/error.rs:5  super::decision::is_retryable_status", out)
        self.assertIn("crates/demo/src/graph/decision.rs:2  use super::error::GraphError", out)

    def test_grouped_use_with_nested_braces_is_read(self):
        t = self.tree({
            "lib.rs": "mod a;\nmod b;\nmod c;\n",
            "a.rs": "pub fn f() {}\n",
            "b.rs": "pub struct Thing;\npub mod inner { pub struct X; }\n",
            "c.rs": "use crate::{a, b::{Thing, inner::X as Y}};\n",
        }, """
            layer low: c.rs
            layer high: a.rs b.rs
            layer top: lib.rs
        """)
        # `mod a;` declares, it does not import: lib.rs has no edge.
        self.assertEqual(t.edges(), {("c.rs", "a.rs"), ("c.rs", "b.rs")})
        rc, out = t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("UPWARD IMPORT in demo: c.rs (layer low) imports a.rs (layer high)", out)
        self.assertIn("UPWARD IMPORT in demo: c.rs (layer low) imports b.rs (layer high)", out)
        self.assertIn("c.rs:1  use crate::b::inner::X", out)

    def test_imports_inside_comments_and_string_literals_are_ignored(self):
        t = self.tree({
            "lib.rs": "mod a;\nmod low;\n",
            "a.rs": "pub fn f() {}\n",
            "low.rs": r'''
                //! Module docs naming [`crate::a::f`].
                // use crate::a::f;
                /* crate::a::f() /* nested */ super::a::f() */
                /// Calls nothing: see `crate::a`.
                pub fn g<'x>(s: &'x str) -> usize {
                    let quote = '"';
                    let text = "use crate::a::f; \" super::a::f()";
                    let raw = r#"crate::a::f() "# ;
                    let bytes = b"self::a";
                    s.len() + text.len() + raw.len() + bytes.len() + (quote as usize)
                }
            ''',
        }, """
            layer low: low.rs
            layer high: a.rs
            layer top: lib.rs
        """)
        self.assertNotIn(("low.rs", "a.rs"), t.edges())
        rc, out = t.check()
        self.assertEqual(rc, 0, out)

    def test_import_after_tricky_literals_is_still_read(self):
        t = self.tree({
            "lib.rs": "mod a;\nmod low;\n",
            "a.rs": "pub fn f() {}\n",
            "low.rs": r'''
                pub fn g() -> char { let _ = "}{"; let _ = '\''; let _ = '\\'; let _ = '{'; '"' }
                pub fn h() { crate::a::f() }
            ''',
        }, """
            layer low: low.rs
            layer high: a.rs
            layer top: lib.rs
        """)
        rc, out = t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("crates/demo/src/low.rs:3  crate::a::f", out)

    def test_upward_import_is_reported_with_its_line(self):
        t = self.tree({
            "lib.rs": "mod config;\nmod auth;\n",
            "config.rs": "use crate::auth::CacheStore;\npub struct Config(CacheStore);\n",
            "auth.rs": "pub struct CacheStore;\n",
        }, """
            layer config: config.rs
            layer sign-in: auth.rs
            layer top: lib.rs
        """)
        rc, out = t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("UPWARD IMPORT in demo: config.rs (layer config) imports auth.rs "
                      "(layer sign-in)", out)
        self.assertIn("crates/demo/src/config.rs:1  use crate::auth::CacheStore", out)

    def test_clean_tree_passes(self):
        t = self.tree({
            "lib.rs": "mod ids;\nmod graph;\npub use graph::Client;\npub use ids::Id;\n",
            "ids.rs": "pub struct Id;\n",
            "graph/mod.rs": "mod client;\npub use client::Client;\n",
            "graph/client.rs": "use crate::ids::Id;\npub struct Client(Id);\n",
        }, """
            layer leaves: ids.rs
            layer graph: graph/client.rs graph/mod.rs
            layer top: lib.rs
        """)
        rc, out = t.check()
        self.assertEqual(rc, 0, out)
        self.assertIn("architecture check passed", out)

    def test_path_through_a_reexport_counts_as_an_import_of_the_defining_file(self):
        # `crate::Error` is re-exported by lib.rs: the import is of error.rs, so lib.rs (which
        # re-exports everything) makes no circle with the files that name `crate::Error`.
        t = self.tree({
            "lib.rs": "mod error;\nmod graph;\npub use error::Error;\npub use graph::run;\n",
            "error.rs": "pub struct Error;\n",
            "graph.rs": "pub fn run() -> Result<(), crate::Error> { Ok(()) }\n",
        }, """
            layer leaves: error.rs
            layer graph: graph.rs
            layer top: lib.rs
        """)
        self.assertIn(("graph.rs", "error.rs"), t.edges())
        self.assertNotIn(("graph.rs", "lib.rs"), t.edges())
        rc, out = t.check()
        self.assertEqual(rc, 0, out)

    def test_bare_path_into_a_child_module_counts(self):
        # A router in mod.rs naming `authorize::login`, a handler taking a helper from mod.rs.
        t = self.tree({
            "lib.rs": "mod identity;\n",
            "identity/mod.rs": """
                pub mod authorize;
                pub fn routes() -> fn() { authorize::login }
                pub fn parse_params() {}
            """,
            "identity/authorize.rs": "use super::parse_params;\npub fn login() { parse_params() }\n",
        }, """
            layer handlers: identity/authorize.rs identity/mod.rs
            layer top: lib.rs
        """)
        rc, out = t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("    identity/authorize.rs -> identity/mod.rs -> identity/authorize.rs",
                      out)
        self.assertIn("crates/demo/src/identity/mod.rs:3  authorize::login", out)

    def test_serde_path_string_counts_as_an_import(self):
        t = self.tree({
            "lib.rs": "mod auth;\n",
            "auth/mod.rs": "mod claims;\nmod id_token;\n",
            "auth/claims.rs": "pub fn audiences() {}\n",
            "auth/id_token.rs": """
                #[derive(Deserialize)]
                struct Claims {
                    #[serde(default, deserialize_with = "super::claims::audiences")]
                    aud: Vec<String>,
                }
            """,
        }, """
            layer low: auth/id_token.rs
            layer high: auth/claims.rs auth/mod.rs
            layer top: lib.rs
        """)
        rc, out = t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn('auth/id_token.rs:4  "super::claims::audiences"', out)

    def test_test_modules_are_left_out(self):
        t = self.tree({
            "lib.rs": "mod ids;\nmod graph;\n",
            "ids.rs": """
                pub struct Id;
                #[cfg(test)]
                mod tests {
                    use crate::graph::fixture;
                    #[test]
                    fn uses_a_fixture() { fixture(); }
                }
                #[cfg(all(test, unix))]
                fn helper() { crate::graph::fixture() }
            """,
            "graph.rs": "use crate::ids::Id;\npub fn fixture() -> Id { Id }\n",
        }, """
            layer leaves: ids.rs
            layer graph: graph.rs
            layer top: lib.rs
        """)
        self.assertNotIn(("ids.rs", "graph.rs"), t.edges())
        self.assertIn(("ids.rs", "graph.rs"), t.edges(with_tests=True))
        rc, out = t.check()
        self.assertEqual(rc, 0, out)

    def test_code_under_cfg_not_test_is_checked(self):
        t = self.tree({
            "lib.rs": "mod ids;\nmod graph;\n",
            "ids.rs": "#[cfg(not(test))]\nfn helper() { crate::graph::fixture() }\n",
            "graph.rs": "pub fn fixture() {}\n",
        }, """
            layer leaves: ids.rs
            layer graph: graph.rs
            layer top: lib.rs
        """)
        rc, out = t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("UPWARD IMPORT in demo: ids.rs", out)

    def test_an_upward_allowance_never_excuses_a_circle(self):
        t = self.tree({
            "lib.rs": "mod a;\nmod b;\n",
            "a.rs": "pub fn f() { crate::b::g() }\n",
            "b.rs": "pub fn g() {}\npub fn h() { crate::a::f() }\n",
        }, """
            layer low: a.rs
            layer high: b.rs
            layer top: lib.rs
            upward a.rs -> b.rs
        """)
        rc, out = t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("    a.rs -> b.rs -> a.rs", out)
        self.assertNotIn("UPWARD IMPORT", out)

    def test_an_allowance_no_import_needs_fails(self):
        t = self.tree({
            "lib.rs": "mod a;\nmod b;\n",
            "a.rs": "pub fn f() {}\n",
            "b.rs": "pub fn g() { crate::a::f() }\n",
        }, """
            layer low: a.rs
            layer high: b.rs
            layer top: lib.rs
            upward a.rs -> b.rs
        """)
        rc, out = t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("STALE ALLOWANCE", out)

    def test_a_module_file_in_no_layer_fails_and_a_listed_file_must_exist(self):
        t = self.tree({
            "lib.rs": "mod a;\nmod b;\n",
            "a.rs": "pub fn f() {}\n",
            "b.rs": "pub mod inner;\n",
            "b/inner.rs": "pub fn g() {}\n",
        }, """
            layer low: a.rs gone.rs
            layer top: b.rs lib.rs
        """)
        rc, out = t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("UNLISTED FILE: crates/demo/src/b/inner.rs", out)
        self.assertIn("lists crates/demo/src/gone.rs, which is no module file", out)

    def test_a_block_that_cannot_be_read_stops_the_check(self):
        t = self.tree({"lib.rs": ""}, "  layer top lib.rs\n")
        with self.assertRaises(checker.ReadError):
            t.check()


if __name__ == "__main__":
    unittest.main()
