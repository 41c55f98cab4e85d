#!/usr/bin/env python3
"""The import check of docs/architecture.md: no circle between module files, no upward import.

    scripts/check-architecture.py                 check the repository this script is in
    scripts/check-architecture.py --root DIR      check another checkout (DIR/crates/*/src and
                                                  DIR/docs/architecture.md)
    scripts/check-architecture.py --edges         also print every edge it found, with evidence

It reads every Rust file of every module tree under crates/*/src (from src/lib.rs, src/main.rs
and src/bin/*.rs through `mod x;` declarations), with comments, string and character literals
left out, and collects every reference to another module of the same crate:

- `use` declarations, `pub use` re-exports included, grouped or not, nested braces, `self`,
  `as` renames and globs: `use crate::{a::{b, c}, d};`, `use super::x::{self, Y as Z};`;
- paths in code that start with `crate::`, `$crate::`, `super::` or `self::`, or with a name the
  module has in scope that leads into the crate (a child module, `mod x;`, or a `use`d name):
  `super::decision::is_retryable_status(..)`, `authorize::login` beside `pub mod authorize;`;
- serde's path strings (`#[serde(with = "...", deserialize_with = "...", ...)]`), which name a
  function as surely as code does (every other string literal is left out).

Each reference is resolved to the FILE that defines what it names, following re-exports
(`pub use`, `use`) through facades such as lib.rs and mod.rs: `crate::Error` is an import of
error.rs, not of lib.rs. A name the resolver cannot find (one made by a macro, say) counts as an
import of the module file the path reached. Inline modules (`mod tests { .. }`, `mod platform
{ .. }`) belong to their file. Code under `#[cfg(test)]` (test modules, test-only items) is left
out: it is compiled only into the crate's test build, and a test may reach for a helper of any
layer; pass --with-tests to see those edges too (they are never checked).

The check fails (exit 1, naming files, lines and paths) when
  (a) module files import each other in a circle (a strongly connected component of more than
      one file); each is printed with its shortest elementary circles (ten at most) and every
      import that ties it, with file, line and path. No allowance exists;
  (b) a file imports a file of a higher layer of the ```architecture block of
      docs/architecture.md, unless that block lists the edge as `upward A -> B`;
  (c) the block and the code disagree: a module file of the code that no layer lists, a listed
      file that does not exist, an `upward` line that matches no upward import.
It never imports across crates (Cargo already forbids circles there) and runs no Rust code.

Exit codes: 0 clean, 1 violations, 2 the block or the code could not be read.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

KEYWORDS_PATH_START = {"crate", "$crate", "super", "self"}
ITEM_KEYWORDS = {"fn", "struct", "enum", "trait", "type", "const", "static", "union"}
# serde attribute keys whose string value is a Rust path.
# How much of a circle the report prints.
CIRCLE_LIMIT, CIRCLES_SHOWN, EVIDENCE_SHOWN = 1000, 10, 3
SERDE_PATH_KEYS = {"with", "deserialize_with", "serialize_with", "default", "skip_serializing_if"}


class ReadError(Exception):
    """The block of the document or a source file could not be read."""


# --------------------------------------------------------------------------------------------
# Lexing: Rust text -> tokens, without comments; string and char literals as one token each.


@dataclass
class Tok:
    kind: str  # ident | punct | str | char | lifetime | num
    text: str
    line: int


IDENT_START = re.compile(r"[A-Za-z_]")
IDENT_CHARS = re.compile(r"[A-Za-z0-9_]*")


def lex(src: str, name: str = "<source>") -> list[Tok]:
    toks: list[Tok] = []
    i, n, line = 0, len(src), 1

    def string_end(j: int, raw_hashes: int | None) -> int:
        """j is just after the opening quote; returns the index after the closing quote."""
        nonlocal line
        if raw_hashes is not None:
            closing = '"' + "#" * raw_hashes
            k = src.find(closing, j)
            if k < 0:
                raise ReadError(f"{name}:{line}: unterminated raw string")
            line += src.count("\n", j, k)
            return k + len(closing)
        while j < n:
            c = src[j]
            if c == "\\":
                if j + 1 < n and src[j + 1] == "\n":
                    line += 1
                j += 2
                continue
            if c == "\n":
                line += 1
            if c == '"':
                return j + 1
            j += 1
        raise ReadError(f"{name}:{line}: unterminated string")

    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif src.startswith("//", i):
            k = src.find("\n", i)
            i = n if k < 0 else k
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    if src[j] == "\n":
                        line += 1
                    j += 1
            if depth:
                raise ReadError(f"{name}:{line}: unterminated block comment")
            i = j
        elif c == '"':
            start_line = line
            j = string_end(i + 1, None)
            toks.append(Tok("str", src[i + 1 : j - 1], start_line))
            i = j
        elif c == "'":
            # A char literal ('a', '\n', '\u{..}', '\'') or a lifetime / label ('a, 'static).
            if i + 1 < n and src[i + 1] == "\\":
                j = i + 1
                while j < n and src[j] != "'":
                    j += 2 if src[j] == "\\" else 1
                toks.append(Tok("char", src[i + 1 : j], line))
                i = j + 1
            elif i + 2 < n and src[i + 2] == "'":
                toks.append(Tok("char", src[i + 1], line))
                i += 3
            else:
                m = IDENT_CHARS.match(src, i + 1)
                toks.append(Tok("lifetime", src[i : m.end()], line))
                i = m.end()
        elif c == "$" and src.startswith("$crate", i):
            toks.append(Tok("ident", "$crate", line))
            i += len("$crate")
        elif IDENT_START.match(c):
            m = IDENT_CHARS.match(src, i)
            word = src[i : m.end()]
            j = m.end()
            # String prefixes: b"..", r"..", r#".."#, br"..", c"..", cr#".."#; byte char b'x'.
            if word in ("r", "br", "cr") and j < n and src[j] in '"#':
                k = j
                while k < n and src[k] == "#":
                    k += 1
                if k < n and src[k] == '"':
                    start_line = line
                    end = string_end(k + 1, k - j)
                    toks.append(Tok("str", src[k + 1 : end - 1 - (k - j)], start_line))
                    i = end
                    continue
                if word == "r" and k == j + 1 and k < n and IDENT_START.match(src[k]):
                    m2 = IDENT_CHARS.match(src, k)  # raw identifier r#type
                    toks.append(Tok("ident", src[k : m2.end()], line))
                    i = m2.end()
                    continue
            if word in ("b", "c") and j < n and src[j] == '"':
                start_line = line
                end = string_end(j + 1, None)
                toks.append(Tok("str", src[j + 1 : end - 1], start_line))
                i = end
                continue
            if word == "b" and j < n and src[j] == "'":
                k = j + 1
                while k < n and src[k] != "'":
                    k += 2 if src[k] == "\\" else 1
                toks.append(Tok("char", src[j + 1 : k], line))
                i = k + 1
                continue
            toks.append(Tok("ident", word, line))
            i = j
        elif c.isdigit():
            j = i + 1
            while j < n and (src[j].isalnum() or src[j] == "_" or
                             (src[j] == "." and j + 1 < n and src[j + 1].isdigit())):
                j += 1
            toks.append(Tok("num", src[i:j], line))
            i = j
        elif src.startswith("::", i):
            toks.append(Tok("punct", "::", line))
            i += 2
        else:
            toks.append(Tok("punct", c, line))
            i += 1
    return toks


# --------------------------------------------------------------------------------------------
# The module tree of one crate.


@dataclass
class Module:
    name: str
    file: str  # path relative to the crate's src/
    parent: "Module | None"
    inline: bool  # `mod x { .. }` inside a file (it belongs to that file)
    test: bool = False  # only in the test build (#[cfg(test)])
    children: dict = field(default_factory=dict)  # name -> Module
    items: set = field(default_factory=set)
    imports: dict = field(default_factory=dict)  # alias -> list[Ref]
    globs: list = field(default_factory=list)  # list[Ref]
    refs: list = field(default_factory=list)  # every reference made here: list[Ref]

    def base_dir(self) -> str:
        """Where `mod x;` declared in this module looks for x.rs or x/mod.rs."""
        if self.inline:
            assert self.parent is not None
            return os.path.join(self.parent.base_dir(), self.name)
        stem = os.path.basename(self.file)
        if stem in ("lib.rs", "main.rs", "mod.rs") or self.parent is None:
            return os.path.dirname(self.file)
        return self.file[: -len(".rs")]


@dataclass
class Ref:
    segs: list  # path segments, e.g. ["super", "error", "GraphError"]
    scope: Module
    line: int
    text: str  # as written, for the report
    test: bool
    glob: bool = False


def cfg_false_outside_tests(attr: list[Tok]) -> bool:
    """True when the attribute is a `cfg(..)` that cannot hold in a build without cfg(test)."""
    if not attr or attr[0].text != "cfg" or len(attr) < 2 or attr[1].text != "(":
        return False
    pos = 2

    # Three-valued: False (never without test), None (unknown: features, targets), True.
    def pred() -> bool | None:
        nonlocal pos
        t = attr[pos]
        pos += 1
        if t.kind == "ident" and pos < len(attr) and attr[pos].text == "(":
            pos += 1
            args = []
            while attr[pos].text != ")":
                args.append(pred())
                if attr[pos].text == ",":
                    pos += 1
            pos += 1
            if t.text == "not":
                return None if args[0] is None else not args[0]
            if t.text == "all":
                return False if False in args else (None if None in args else True)
            if t.text == "any":
                return True if True in args else (None if None in args else False)
            return None
        if pos < len(attr) and attr[pos].text == "=":
            pos += 2  # key = "value"
            return None
        return False if t.text == "test" else None

    try:
        return pred() is False
    except IndexError:
        return False


class FileParser:
    """Reads one file's tokens into its module (and inline modules), recording references."""

    def __init__(self, crate: "Crate", module: Module, toks: list[Tok]):
        self.crate, self.toks, self.i = crate, toks, 0
        self.module = module

    def run(self) -> None:
        self.block(self.module, self.module.test, top=True)

    # A block: a module body (top or inline) or any other `{ .. }` inside it.
    def block(self, mod: Module, test: bool, top: bool = False, module_level: bool = True) -> None:
        toks = self.toks
        pending_test = False  # attributes seen before the item being read
        depth = 0  # ( and [ open since the item began: a `,` at 0 ends a field or an arm
        prev: Tok | None = None
        while self.i < len(toks):
            t = toks[self.i]
            if t.text == "}" and t.kind == "punct":
                self.i += 1
                return
            if t.kind == "punct" and t.text == "#":
                j = self.i + 1
                inner = j < len(toks) and toks[j].text == "!"
                if inner:
                    j += 1
                if j < len(toks) and toks[j].text == "[":
                    end = self.matching(j)
                    attr = toks[j + 1 : end]
                    if cfg_false_outside_tests(attr):
                        if inner and module_level:
                            mod.test = True
                            test = True
                        else:
                            pending_test = True
                    self.serde_paths(attr, mod, test or pending_test)
                    self.i = end + 1
                    prev = None
                    continue
            item_test = test or pending_test
            if t.kind == "ident" and t.text == "mod" and module_level and self.peek_ident(1):
                name = toks[self.i + 1].text
                after = toks[self.i + 2] if self.i + 2 < len(toks) else None
                if after is not None and after.text == ";":
                    self.crate.declare_file_module(mod, name, item_test, t.line)
                    self.i += 3
                    pending_test, prev = False, None
                    continue
                if after is not None and after.text == "{":
                    child = Module(name, mod.file, mod, inline=True, test=item_test)
                    mod.children[name] = child
                    mod.items.add(name)
                    self.i += 3
                    self.block(child, item_test, module_level=True)
                    pending_test, prev = False, None
                    continue
            if t.kind == "ident" and t.text == "use" and (prev is None or prev.text != "::"):
                self.i += 1
                self.use_decl(mod, item_test)
                pending_test, prev = False, None
                continue
            if module_level and t.kind == "ident":
                if t.text in ITEM_KEYWORDS and self.peek_ident(1):
                    k = self.i + 2 if toks[self.i + 1].text == "mut" else self.i + 1
                    nxt = toks[k].text if k < len(toks) else "_"
                    if nxt not in ITEM_KEYWORDS and nxt != "_":
                        mod.items.add(nxt)
                elif t.text == "macro_rules" and self.i + 2 < len(toks) and toks[self.i + 1].text == "!":
                    mod.items.add(toks[self.i + 2].text)
            if self.starts_path(prev):
                self.code_path(mod, item_test)
                prev = toks[self.i - 1]
                continue
            if t.kind == "punct" and t.text == "{":
                self.i += 1
                # Nested item bodies (fn, impl, ..): names defined there are not the module's.
                self.block(mod, item_test, module_level=False)
                prev = Tok("punct", "}", t.line)
                pending_test = False
                continue
            if t.kind == "punct":
                if t.text in "([":
                    depth += 1
                elif t.text in ")]":
                    depth -= 1
                elif t.text == ";" or (t.text == "," and depth <= 0):
                    pending_test, depth = False, 0
            self.i += 1
            prev = t
        if not top:
            raise ReadError(f"{mod.file}: unbalanced braces")

    def matching(self, j: int) -> int:
        """Index of the bracket closing the one at j."""
        opening = self.toks[j].text
        closing = {"[": "]", "(": ")", "{": "}"}[opening]
        depth = 0
        for k in range(j, len(self.toks)):
            if self.toks[k].kind != "punct":
                continue
            if self.toks[k].text == opening:
                depth += 1
            elif self.toks[k].text == closing:
                depth -= 1
                if depth == 0:
                    return k
        raise ReadError(f"line {self.toks[j].line}: unbalanced {opening}")

    def peek_ident(self, k: int) -> bool:
        return self.i + k < len(self.toks) and self.toks[self.i + k].kind == "ident"

    def starts_path(self, prev: Tok | None) -> bool:
        """An identifier followed by `::` that is not itself the tail of a longer path."""
        t = self.toks[self.i]
        if t.kind != "ident" or self.i + 1 >= len(self.toks):
            return False
        nxt = self.toks[self.i + 1]
        if nxt.text != "::":
            return False
        if prev is not None and prev.text == "::":
            return False
        if prev is not None and prev.kind == "ident" and prev.text == "in":
            # `pub(in crate::x)` is a visibility, not a reference; `for x in crate::y()` is.
            before = self.toks[self.i - 2] if self.i >= 2 else None
            if before is not None and before.text == "(":
                return False
        return True

    def code_path(self, mod: Module, test: bool) -> None:
        toks = self.toks
        start = self.i
        segs = [toks[self.i].text]
        self.i += 1
        while (self.i + 1 < len(toks) and toks[self.i].text == "::"
               and toks[self.i + 1].kind == "ident"):
            segs.append(toks[self.i + 1].text)
            self.i += 2
        mod.refs.append(Ref(segs, mod, toks[start].line, "::".join(segs), test))

    def serde_paths(self, attr: list[Tok], mod: Module, test: bool) -> None:
        if not attr or attr[0].text != "serde":
            return
        for k in range(2, len(attr)):
            if (attr[k].kind == "str" and attr[k - 1].text == "="
                    and attr[k - 2].text in SERDE_PATH_KEYS
                    and re.fullmatch(r"[A-Za-z_$][\w$]*(::[A-Za-z_]\w*)*", attr[k].text)):
                segs = attr[k].text.split("::")
                mod.refs.append(Ref(segs, mod, attr[k].line, f'"{attr[k].text}"', test))

    def use_decl(self, mod: Module, test: bool) -> None:
        toks = self.toks
        start = self.i
        end = start
        while end < len(toks) and toks[end].text != ";":
            end += 1
        if end >= len(toks):
            raise ReadError(f"{mod.file}:{toks[start - 1].line}: `use` without `;`")
        self.i = end + 1
        body = toks[start:end]
        for segs, alias, glob, line in self.use_tree(body, 0, [])[0]:
            if not segs:
                continue
            text = "use " + "::".join(segs) + ("::*" if glob else "")
            ref = Ref(segs, mod, line, text, test, glob=glob)
            mod.refs.append(ref)
            if glob:
                mod.globs.append(ref)
            elif alias not in (None, "_"):
                mod.imports.setdefault(alias, []).append(ref)

    def use_tree(self, body: list[Tok], k: int, prefix: list):
        """Parses one use tree at body[k]; returns ([(segs, alias, glob, line)], next index)."""
        out = []
        segs = list(prefix)
        if k < len(body) and body[k].text == "::":
            k += 1  # a leading `::` names an external crate
            segs.append("::")
        while k < len(body):
            t = body[k]
            if t.text == "{":
                k += 1
                while k < len(body) and body[k].text != "}":
                    sub, k = self.use_tree(body, k, segs)
                    out.extend(sub)
                    if k < len(body) and body[k].text == ",":
                        k += 1
                return out, k + 1
            if t.text == "*":
                out.append((segs, None, True, t.line))
                return out, k + 1
            if t.kind == "ident":
                if t.text == "self" and segs and segs != ["::"]:
                    alias = segs[-1]
                    k += 1
                    if k + 1 < len(body) and body[k].text == "as":
                        alias = body[k + 1].text
                        k += 2
                    out.append((segs, alias, False, t.line))
                    return out, k
                segs = segs + [t.text]
                k += 1
                if k < len(body) and body[k].text == "::":
                    k += 1
                    continue
                alias = segs[-1]
                if k + 1 < len(body) and body[k].text == "as":
                    alias = body[k + 1].text
                    k += 2
                out.append((segs, alias, False, t.line))
                return out, k
            raise ReadError(f"line {t.line}: cannot read use declaration at {t.text!r}")
        return out, k


@dataclass
class Edge:
    src: str
    dst: str
    evidence: list  # (line, text, test)


class Crate:
    """One crate: its module files, the references between them, resolved to files."""

    def __init__(self, name: str, src_dir: Path):
        self.name, self.src_dir = name, src_dir
        self.roots: list[Module] = []
        self.modules: list[Module] = []
        self.files: dict[str, bool] = {}  # file -> test-only
        self.notes: list[str] = []

    def load(self) -> None:
        roots = [p for p in ("lib.rs", "main.rs") if (self.src_dir / p).is_file()]
        bin_dir = self.src_dir / "bin"
        if bin_dir.is_dir():
            for p in sorted(bin_dir.iterdir()):
                if p.suffix == ".rs":
                    roots.append(f"bin/{p.name}")
                elif (p / "main.rs").is_file():
                    roots.append(f"bin/{p.name}/main.rs")
        for rel in roots:
            root = Module("crate", rel, None, inline=False)
            self.roots.append(root)
            self.read_file(root)

    def read_file(self, mod: Module) -> None:
        path = self.src_dir / mod.file
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise ReadError(f"{self.name}: cannot read {mod.file}: {e}") from e
        self.files[mod.file] = mod.test
        self.modules.append(mod)
        FileParser(self, mod, lex(text, f"{self.name}/{mod.file}")).run()

    def declare_file_module(self, parent: Module, name: str, test: bool, line: int) -> None:
        base = parent.base_dir()
        candidates = [os.path.join(base, f"{name}.rs"), os.path.join(base, name, "mod.rs")]
        found = [c for c in candidates if (self.src_dir / c).is_file()]
        if not found:
            raise ReadError(f"{self.name}/{parent.file}:{line}: `mod {name};` but neither "
                            f"{candidates[0]} nor {candidates[1]} exists")
        child = Module(name, found[0], parent, inline=False, test=test)
        parent.children[name] = child
        parent.items.add(name)
        self.read_file(child)

    # ---- name resolution ----

    def root_of(self, mod: Module) -> Module:
        while mod.parent is not None:
            mod = mod.parent
        return mod

    def lookup(self, mod: Module, name: str, seen: set):
        """What `name` means inside `mod`: ('module', Module), ('item', Module) or None."""
        key = (id(mod), name)
        if key in seen:
            return None
        seen = seen | {key}
        if name in mod.children:
            return ("module", mod.children[name])
        if name in mod.items:
            return ("item", mod)
        for ref in mod.imports.get(name, []):
            r = self.resolve(ref.segs, ref.scope, seen)
            if r is not None:
                return r
        for ref in mod.globs:
            target = self.resolve(ref.segs, ref.scope, seen)
            if target is not None and target[0] == "module":
                r = self.lookup(target[1], name, seen)
                if r is not None:
                    return r
        return None

    def resolve(self, segs: list, scope: Module, seen: set = frozenset()):
        """Resolves a path to ('module', M) or ('item', M defining it); None if outside the crate."""
        first, rest = segs[0], segs[1:]
        if first in ("crate", "$crate"):
            cur = self.root_of(scope)
        elif first == "super":
            cur = scope.parent
            while rest and rest[0] == "super" and cur is not None:
                cur, rest = cur.parent, rest[1:]
            if cur is None:
                return None
        elif first == "self":
            cur = scope
        elif first == "::":
            return None
        else:
            # A name in scope: this module's, or an enclosing inline module's for code in it?
            # Rust looks only in the module itself (plus preludes); so do we.
            r = self.lookup(scope, first, seen)
            if r is None or r[0] == "item":
                return r
            cur = r[1]
        for seg in rest:
            r = self.lookup(cur, seg, seen)
            if r is None:
                return ("item", cur)  # a name we cannot see (a macro's, say): the module's file
            if r[0] == "item":
                return r
            cur = r[1]
        return ("module", cur)

    def edges(self, with_tests: bool) -> dict:
        out: dict[tuple, Edge] = {}
        for mod in self.all_modules():
            for ref in mod.refs:
                if ref.test and not with_tests:
                    continue
                r = self.resolve(ref.segs, ref.scope)
                if r is None:
                    continue
                dst = r[1].file
                if dst == mod.file:
                    continue
                e = out.setdefault((mod.file, dst), Edge(mod.file, dst, []))
                e.evidence.append((ref.line, ref.text, ref.test))
        return out

    def all_modules(self):
        stack = list(self.roots)
        while stack:
            m = stack.pop()
            yield m
            stack.extend(m.children.values())

    def unreached_files(self) -> list[str]:
        on_disk = sorted(str(p.relative_to(self.src_dir)) for p in self.src_dir.rglob("*.rs"))
        return [f for f in on_disk if f not in self.files]


# --------------------------------------------------------------------------------------------
# Circles: Tarjan's strongly connected components, then the elementary circles inside each.


def components(nodes: list, succ: dict) -> list[list]:
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        # iterative Tarjan
        work = [(v, iter(sorted(succ.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(succ.get(w, ())))))
                    advanced = True
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def circles_in(comp: list, succ: dict, limit: int = 50) -> list[list]:
    """Elementary circles of one component, each starting at its smallest file (up to limit)."""
    members = set(comp)
    found = []
    for start in sorted(comp):
        # circles whose smallest member is `start`
        allowed = {m for m in members if m >= start}
        path, on_path = [start], {start}

        def dfs(v):
            for w in sorted(succ.get(v, ())):
                if w not in allowed:
                    continue
                if w == start:
                    found.append(path + [start])
                    if len(found) >= limit:
                        return True
                elif w not in on_path:
                    path.append(w)
                    on_path.add(w)
                    if dfs(w):
                        return True
                    path.pop()
                    on_path.discard(w)
            return False

        if dfs(start):
            break
    return found


# --------------------------------------------------------------------------------------------
# The ```architecture block of docs/architecture.md.


@dataclass
class CrateSpec:
    name: str
    layers: list = field(default_factory=list)  # [(layer name, [files])], bottom first
    upward: dict = field(default_factory=dict)  # (src, dst) -> line number in the document

    def layer_of(self) -> dict:
        return {f: i for i, (_, files) in enumerate(self.layers) for f in files}


def read_spec(doc: Path) -> dict:
    try:
        text = doc.read_text(encoding="utf-8")
    except OSError as e:
        raise ReadError(f"cannot read {doc}: {e}") from e
    lines = text.splitlines()
    starts = [i for i, l in enumerate(lines) if l.strip() == "```architecture"]
    if len(starts) != 1:
        raise ReadError(f"{doc}: expected exactly one ```architecture block, found {len(starts)}")
    specs: dict[str, CrateSpec] = {}
    cur: CrateSpec | None = None
    last_layer: list | None = None
    seen_files: dict = {}
    for no in range(starts[0] + 1, len(lines)):
        raw = lines[no]
        if raw.strip() == "```":
            break
        where = f"{doc}:{no + 1}"
        content = raw.split("#", 1)[0].strip()
        if not content:
            continue
        words = content.split()
        if words[0] == "crate":
            if len(words) != 2:
                raise ReadError(f"{where}: expected `crate NAME`")
            cur = specs.setdefault(words[1], CrateSpec(words[1]))
            last_layer = None
            continue
        if cur is None:
            raise ReadError(f"{where}: a `crate NAME` line must come first")
        if words[0] == "layer":
            m = re.fullmatch(r"layer\s+([\w.-]+)\s*:\s*(.*)", content)
            if not m:
                raise ReadError(f"{where}: expected `layer NAME: file.rs dir/file.rs ...`")
            last_layer = m.group(2).split()
            cur.layers.append((m.group(1), last_layer))
        elif words[0] == "upward":
            m = re.fullmatch(r"upward\s+(\S+)\s*->\s*(\S+)", content)
            if not m:
                raise ReadError(f"{where}: expected `upward FROM.rs -> TO.rs`")
            cur.upward[(m.group(1), m.group(2))] = no + 1
            last_layer = None
        elif last_layer is not None:
            last_layer.extend(words)  # a layer continued on the next line
        else:
            raise ReadError(f"{where}: cannot read {content!r}")
        for f in (last_layer or []):
            key = (cur.name, f)
            if key in seen_files and seen_files[key] != (id(cur), id(last_layer)):
                raise ReadError(f"{where}: {cur.name}/{f} is listed in two layers")
            seen_files[key] = (id(cur), id(last_layer))
    else:
        raise ReadError(f"{doc}: the ```architecture block is not closed")
    return specs


# --------------------------------------------------------------------------------------------


def check(root: Path, doc: Path, with_tests: bool, show_edges: bool, out=sys.stdout) -> int:
    specs = read_spec(doc)
    crates = []
    for src in sorted(root.glob("crates/*/src")):
        crate = Crate(src.parent.name, src)
        crate.load()
        crates.append(crate)
    if not crates:
        raise ReadError(f"{root}: no crates/*/src")
    problems = 0
    total_edges = total_files = allowed_used = 0

    def say(s=""):
        print(s, file=out)

    for crate in crates:
        edges = crate.edges(with_tests=False)
        production_files = [f for f, test in crate.files.items() if not test]
        total_files += len(production_files)
        total_edges += len(edges)
        if show_edges:
            shown = crate.edges(with_tests=True) if with_tests else edges
            say(f"edges of {crate.name}:")
            for (src, dst), e in sorted(shown.items()):
                tag = " (tests only)" if all(ev[2] for ev in e.evidence) else ""
                say(f"  {src} -> {dst}{tag}")
                for line, text, test in sorted(set(e.evidence)):
                    say(f"      crates/{crate.name}/src/{src}:{line}  {text}{'  [test]' if test else ''}")
        for f in crate.unreached_files():
            say(f"note: crates/{crate.name}/src/{f} is in no module tree (no `mod` reaches it); not checked")

        # (a) circles
        succ: dict = {}
        for (src, dst) in edges:
            succ.setdefault(src, set()).add(dst)
        for comp in components(list(crate.files), succ):
            if len(comp) < 2:
                continue
            problems += 1
            say(f"CIRCLE in {crate.name}: {len(comp)} files import each other: {', '.join(comp)}")
            circles = sorted(circles_in(comp, succ, limit=CIRCLE_LIMIT), key=lambda c: (len(c), c))
            shown = circles[:CIRCLES_SHOWN]
            more = len(circles) - len(shown)
            counted = f"{len(circles)}{'+' if len(circles) >= CIRCLE_LIMIT else ''}"
            say(f"  {counted} elementary circle(s)" + (f", the {len(shown)} shortest:" if more else ":"))
            for circle in shown:
                say("    " + " -> ".join(circle))
            say("  the imports that tie it:")
            members = set(comp)
            for (a, b), e in sorted(edges.items()):
                if a in members and b in members:
                    evidence = sorted(set(e.evidence))
                    say(f"    {a} -> {b}")
                    for line, text, _ in evidence[:EVIDENCE_SHOWN]:
                        say(f"      crates/{crate.name}/src/{a}:{line}  {text}")
                    if len(evidence) > EVIDENCE_SHOWN:
                        say(f"      ... and {len(evidence) - EVIDENCE_SHOWN} more (--edges lists all)")

        # (b), (c) the layers of the document
        spec = specs.get(crate.name)
        if spec is None:
            problems += 1
            say(f"UNLISTED CRATE: {crate.name} has no `crate {crate.name}` section in {doc}")
            continue
        layer = spec.layer_of()
        for f in sorted(production_files):
            if f not in layer:
                problems += 1
                say(f"UNLISTED FILE: crates/{crate.name}/src/{f} is in no layer of {doc}")
        for f in sorted(layer):
            if f not in crate.files:
                problems += 1
                say(f"MISSING FILE: {doc} lists crates/{crate.name}/src/{f}, which is no module file")
        used = set()
        for (src, dst), e in sorted(edges.items()):
            if src not in layer or dst not in layer or layer[dst] <= layer[src]:
                continue
            if (src, dst) in spec.upward:
                used.add((src, dst))
                continue
            problems += 1
            say(f"UPWARD IMPORT in {crate.name}: {src} (layer {spec.layers[layer[src]][0]}) "
                f"imports {dst} (layer {spec.layers[layer[dst]][0]})")
            evidence = sorted(set(e.evidence))
            for line, text, _ in evidence[:EVIDENCE_SHOWN]:
                say(f"      crates/{crate.name}/src/{src}:{line}  {text}")
            if len(evidence) > EVIDENCE_SHOWN:
                say(f"      ... and {len(evidence) - EVIDENCE_SHOWN} more (--edges lists all)")
        allowed_used += len(used)
        for (src, dst), no in sorted(spec.upward.items()):
            if (src, dst) not in used:
                problems += 1
                say(f"STALE ALLOWANCE: {doc}:{no} allows `upward {src} -> {dst}`, but "
                    f"{crate.name} has no such upward import: remove the line")
    for name in sorted(set(specs) - {c.name for c in crates}):
        problems += 1
        say(f"MISSING CRATE: {doc} has a section for {name}, which is not under crates/")
    summary = (f"{len(crates)} crates, {total_files} module files, {total_edges} imports between "
               f"files (test code left out), {allowed_used} upward imports allowed by the document")
    if problems:
        say(f"architecture check FAILED: {problems} problem(s); {summary}")
        return 1
    say(f"architecture check passed: no circle, no unlisted upward import; {summary}")
    return 0


def main(argv=None) -> int:
    here = Path(__file__).resolve().parent.parent
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", type=Path, default=here, help="the checkout (default: this one)")
    p.add_argument("--doc", type=Path, help="the document (default: ROOT/docs/architecture.md)")
    p.add_argument("--edges", action="store_true", help="print every import edge with evidence")
    p.add_argument("--with-tests", action="store_true",
                   help="with --edges, also show the edges of #[cfg(test)] code (never checked)")
    args = p.parse_args(argv)
    doc = args.doc or args.root / "docs" / "architecture.md"
    try:
        return check(args.root, doc, args.with_tests, args.edges)
    except ReadError as e:
        print(f"architecture check could not run: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
