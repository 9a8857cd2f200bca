"""Prose that sends the reader to a lesson by number names a lesson that defines what it talks about.

The markdown cells of every lesson notebook (nbs/NN*.ipynb, NN being two digits and maybe a letter) and of
nbs/index.ipynb are searched for references of these forms, "NN" being a lesson number:

- possessive: "lesson NN's X" (X: the first item in the few words after it, e.g. "lesson 05's conv-block
  builder `conv`" refers to `conv`);
- parenthesised: "X (lesson NN)", "X (lesson NN, ...)", "(X, lesson NN)", "(X, see lesson NN)",
  "X (also from lesson NN)" (X: the last item inside the parenthesis before "lesson", else the last item of
  the clause before the parenthesis);
- "X from lesson NN", "X of lesson NN", "X in lesson NN", and the bare "X in 0N" (e.g. "hooks in 05"; only
  01 to 09, since "in 12" is seldom a lesson): X is the last item of the clause before; when "in lesson NN"
  opens its clause ("In lesson 03b each `Callback` ...", "or, in lesson 05, removing the hooks ..."), X is the
  first item of the clause after it.

Other wordings ("lessons 04 and 04a", "Lesson 04 checks it", "the previous lesson") are not checked: a
pronoun or a plural cannot be resolved to one thing, and unnumbered references are for a reader to judge.

A clause ends at a comma, a semicolon, a colon, a parenthesis, a dash or the end of a sentence; windows are
at most 8 words. An *item* is one of:

- a name: the leading identifier of a backticked span (`Learner.save` -> Learner), or a bare CamelCase or
  snake_case identifier (RunningBatchNorm, get_mnist); a backticked `dl_foundations.X` names module X;
- a concept: one of CONCEPTS below (plain words such as "hooks", "checkpoints", "mixed precision"),
  matched case-insensitively.

Only items the course knows are checked: a name that some lesson defines (in the sense below), a module that
some lesson exports, or a concept. Anything else (`torchrun`, PyTorch, `F.cross_entropy`, "the training
loop") is not the course's to place, and a reference whose X is such a thing, or which has no X at all, is
left alone.

Lesson NN *defines*:
- a name, when the name is in `__all__` of the module the lesson exports (the `#| default_exp` of its
  notebook: 07_batchnorm -> dl_foundations/norm.py), or when a code cell of the notebook has a top-level
  `def` or `class` of that name (FlagRunner in 03b, SequentialModel in 06), or when the name appears as a
  whole word, case-sensitively, in one of its headings (title, the "> " summary under it, or a line starting
  with "#": 10's "BatchNorm by hand" defines BatchNorm for lesson 10);
- a module, when it is the module the lesson exports;
- a concept, when the concept's pattern matches one of its headings (06's "PyTorch's hooks" defines hooks).

A reference is wrong when lesson NN does not exist or does not define X. The failure names the notebook,
the cell, the words around the reference, and the lessons that do define X.
"""
import ast, json, re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
LESSON_FILE = re.compile(r'^(\d\d[a-z]?)_\w+\.ipynb$')

# Plain words a reference may point at; each must be in the headings of at least one lesson (checked below).
CONCEPTS = {
    'hooks': r'hooks?',
    'telemetry': r'telemetry',
    'checkpoints': r'checkpoints?',
    'learning-rate finder': r'(?:learning[- ]rate|lr) finder',
    'one-cycle': r'one[- ]cycle',
    'SGDR': r'sgdr',
    'progress bars': r'progress bars?',
    'mixed precision': r'mixed precision',
    'data parallelism': r'data parallelism',
    'gradient accumulation': r'gradient accumulation',
    'softmax': r'softmax',
    'cross-entropy': r'cross[- ]entropy',
    'kaiming': r'kaiming',
    'LSUV': r'lsuv',
    'augmentation': r'augmentation',
    'residual': r'residual',
    'class activation maps': r'class activation maps?',
}
_CONCEPT_RES = {k: re.compile(rf'(?<![\w-]){p}(?![\w-])', re.I) for k, p in CONCEPTS.items()}

NUM = r'(\d\d[a-z]?)(?![\w])'
# the end of a clause: a sentence end (a full stop before a space), a comma, semicolon, colon, bracket or dash
BOUNDARY = re.compile(r'[.!?](?=\s|$)|[,;:()\[\]—]')
MAX_WORDS = 8
OPENERS = {'', 'or', 'and', 'but', 'so', 'then'}  # words that may precede a clause-opening "in lesson NN"


# ---- what each lesson defines ----

class Lesson:
    def __init__(self, number, path):
        self.number, self.path = number, path
        cells = json.loads(path.read_text())['cells']
        code = [''.join(c['source']) for c in cells if c['cell_type'] == 'code']
        markdown = [''.join(c['source']) for c in cells if c['cell_type'] == 'markdown']
        found = [m.group(1) for src in code for m in [re.search(r'^#\|\s*default_exp\s+(\S+)', src, re.M)] if m]
        self.module = found[0] if found else None
        self.exports = _module_all(self.module) if self.module else set()
        self.defs = {name for src in code for name in _top_level_defs(src)}
        self.headings = _headings(markdown)

    def defines(self, kind, value) -> bool:
        if kind == 'module': return value == self.module
        if kind == 'concept': return bool(_CONCEPT_RES[value].search(self.headings))
        return (value in self.exports or value in self.defs
                or re.search(rf'(?<!\w){re.escape(value)}(?!\w)', self.headings) is not None)


def _module_all(module) -> set:
    path = ROOT/'dl_foundations'/f'{module}.py'
    if not path.exists(): return set()  # not exported yet: the notebook's own defs still count
    body = ast.parse(path.read_text()).body
    reexported = {a.asname or a.name for node in body if isinstance(node, ast.ImportFrom) for a in node.names}
    for node in body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == '__all__' for t in node.targets):
            return set(ast.literal_eval(node.value)) - reexported  # a lesson defines what its module defines, not what it passes on
    return set()

def _top_level_defs(src) -> list:
    src = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!')))  # IPython magics
    try: tree = ast.parse(src)
    except SyntaxError: return re.findall(r'^(?:async\s+def|def|class)\s+(\w+)', src, re.M)
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]

def _headings(markdown) -> str:
    "The title, the '> ' summary of the first markdown cell, and every '#' line outside code fences, backticks removed."
    lines = []
    for i, src in enumerate(markdown):
        fenced = False
        for line in src.splitlines():
            if line.lstrip().startswith('```'): fenced = not fenced; continue
            if fenced: continue
            if line.startswith('#') or (i == 0 and line.startswith('> ')): lines.append(line.replace('`', ''))
    return '\n'.join(lines)

@cache
def lessons() -> dict:
    return {m.group(1): Lesson(m.group(1), p) for p in sorted(NBS.glob('*.ipynb')) if (m := LESSON_FILE.match(p.name))}

@cache
def known_names() -> frozenset:
    return frozenset(n for l in lessons().values() for n in l.exports | l.defs)

def checkable(kind, value) -> bool:
    if kind == 'module': return any(l.module == value for l in lessons().values())
    if kind == 'concept': return True
    return value in known_names()


# ---- finding references and their subjects ----

def _items(text) -> list:
    "(start, end, kind, value) of every name, module and concept in text, in order."
    items, masked = [], list(text)
    for m in re.finditer(r'`([^`\n]+)`', text):
        v = m.group(1).strip()
        if (mod := re.fullmatch(r'dl_foundations\.(\w+)(?:\.\w+)*', v)): items.append((m.start(), m.end(), 'module', mod.group(1)))
        elif (name := re.match(r'[A-Za-z_]\w*', v)): items.append((m.start(), m.end(), 'name', name.group(0)))
        masked[m.start():m.end()] = ' ' * (m.end() - m.start())
    masked = ''.join(masked)
    for m in re.finditer(r'(?<![\w.])(?:[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+|[a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w])', masked):
        items.append((m.start(), m.end(), 'name', m.group(0)))
    for concept, pat in _CONCEPT_RES.items():
        items += [(m.start(), m.end(), 'concept', concept) for m in pat.finditer(masked)]
    return sorted(items)

def _clause_before(text, pos) -> int:
    "Start of the clause that ends at pos (at most MAX_WORDS words back)."
    start = max((m.end() for m in BOUNDARY.finditer(text, 0, pos)), default=0)
    words = list(re.finditer(r'\S+', text[start:pos]))
    return start + words[-MAX_WORDS].start() if len(words) > MAX_WORDS else start

def _clause_after(text, pos) -> int:
    "End of the clause that starts at pos (at most MAX_WORDS words on)."
    m = BOUNDARY.search(text, pos)
    end = m.start() if m else len(text)
    words = list(re.finditer(r'\S+', text[pos:end]))
    return pos + words[MAX_WORDS - 1].end() if len(words) > MAX_WORDS else end

def _first(items, start, end):
    inside = [it for it in items if it[0] >= start and it[1] <= end]
    return inside[0] if inside else None

def _last(items, start, end):
    inside = [it for it in items if it[0] >= start and it[1] <= end]
    return inside[-1] if inside else None

def references(text) -> list:
    "Every reference in text whose subject can be checked: (lesson number, kind, value, position)."
    text = ' '.join(text.split())  # one line: "lesson\\n05" is "lesson 05"
    items, found = _items(text), []
    def add(number, item, pos):
        if item is not None and checkable(item[2], item[3]): found.append((number, item[2], item[3], pos))
    for m in re.finditer(rf"\blesson\s+{NUM}'s\b", text, re.I):  # lesson NN's X
        add(m.group(1), _first(items, m.end(), _clause_after(text, m.end())), m.start())
    for m in re.finditer(rf"\(([^()]*?)\blesson\s+{NUM}(?!'s)[^()]*\)", text, re.I):  # X (lesson NN), (X, lesson NN)
        # inside: the clause before "lesson", less a joining ", see" / ", also from"
        end = m.start(1) + len(re.sub(r'(?:,\s*)?(?:(?:see|also|from)\s+)*$', '', m.group(1), flags=re.I))
        inner = _last(items, max(m.start(1), _clause_before(text, end)), end)
        add(m.group(2), inner or _last(items, _clause_before(text, m.start()), m.start()), m.start())
    for m in re.finditer(rf"\b(?:(from|of|in)\s+lesson|(in))\s+{NUM}(?!'s)", text, re.I):  # X from/of/in lesson NN; X in 0N
        number = m.group(3)
        if m.group(2) and not number.startswith('0'): continue  # the bare form only for 01..09: "in 12" is rarely a lesson
        start = _clause_before(text, m.start())
        opener = text[start:m.start()].strip(' ,').lower()
        if (m.group(1) or '').lower() == 'in' and opener in OPENERS:  # "In lesson 03b each `Callback` ..."
            after = m.end() + (1 if text[m.end():m.end() + 1] == ',' else 0)
            add(number, _first(items, after, _clause_after(text, after)), m.start())
        else:
            add(number, _last(items, start, m.start()), m.start())
    return sorted(set(found), key=lambda r: r[3])

def wrong_references(text) -> list:
    "The references in text whose lesson does not exist or does not define their subject: (lesson, value)."
    return [(n, v) for n, k, v, _ in references(text) if n not in lessons() or not lessons()[n].defines(k, v)]


# ---- the matcher on known strings ----

@pytest.mark.parametrize('text, wrong', [
    ("lesson 06's RunningBatchNorm keeps exactly such sums", [('06', 'RunningBatchNorm')]),
    ("lesson 07's RunningBatchNorm keeps exactly such sums", [('07', 'RunningBatchNorm')]),  # moved to 07a
    ("lesson 07a's RunningBatchNorm keeps exactly such sums", []),
    ("Lesson 07's `BatchNorm` computes its batch variance in one pass", []),
    ("clamping a variance (`RunningBatchNorm`, lesson 06)", [('06', 'RunningBatchNorm')]),
    ("clamping it as `RunningBatchNorm` (lesson 06) does", [('06', 'RunningBatchNorm')]),
    ("clamping it as `RunningBatchNorm` (lesson 07a) does", []),
    ("the hooks in 05", [('05', 'hooks')]),
    ("the hooks in 06", []),
    ("closing a file, or, in lesson 05, removing the hooks we attach to a model.", [('05', 'hooks')]),
    ("closing a file, or, in lesson 06, removing the hooks we attach to a model.", []),
    ("In lesson 01 each `Callback` has a `__call__` that takes an event name", [('01', 'Callback')]),
    ("In lesson 03b each `Callback` has a `__call__` that takes an event name", []),
    ("In lesson 04 each `Callback` has a `__call__` that takes an event name", [('04', 'Callback')]),
    ("the `evaluating` context manager of lesson 04", []),
    ("`combine_scheds` from lesson 06", [('06', 'combine_scheds')]),
    ("`combine_scheds` from lesson 04b", []),
    ("`combine_scheds` from lesson 04a", [('04a', 'combine_scheds')]),  # lesson 04a holds the metrics; schedules are 04b's
    ("the `AvgStatsCallback` of lesson 04a", []),
    ("the `AvgStatsCallback` of lesson 04b", [('04b', 'AvgStatsCallback')]),  # 04b's module re-exports it; 04a defines it
    ("with `dl_foundations.norm` (lesson 07)", []),
    ("with `dl_foundations.norm` (lesson 06)", [('06', 'norm')]),
    ("(`get_mnist`, lesson 02c)", []),
    ("(`get_mnist`, lesson 03)", [('03', 'get_mnist')]),  # 03's `data` re-exports it; 02c defines it
    ("mixed precision (lesson 12a) computes in half precision", []),
    ("mixed precision (lesson 12) computes in half precision", [('12', 'mixed precision')]),
    ("mixed precision (lesson 04) computes in half precision", [('04', 'mixed precision')]),
    ("lesson 13's `Learner`", [('13', 'Learner')]),
    ("lesson 10's BatchNorm by hand", []),  # a heading of lesson 10
])
def test_matcher(text, wrong):
    assert wrong_references(text) == wrong

@pytest.mark.parametrize('text', [
    "under `torchrun` (lesson 12) only the first process shows bars",  # not the course's name
    "The training loop we build in lesson 04 is short",                 # no subject
    "(lesson 11 relies on this)",
    "in the spirit of lesson 10",
    "trained for 5 epochs in 12 minutes",
])
def test_matcher_leaves_alone(text):
    assert references(text) == []

def test_concepts_are_defined_somewhere():
    "Every concept a reference may name is in the headings of some lesson, so that a reference to it can be right."
    orphans = [c for c in CONCEPTS if not any(l.defines('concept', c) for l in lessons().values())]
    assert not orphans, f'concepts in no lesson heading: {orphans}'

def test_lessons_found():
    assert {'01', '04', '04a', '07', '07a', '12'} <= set(lessons())
    assert lessons()['07'].module == 'norm' and 'BatchNorm' in lessons()['07'].exports
    assert lessons()['07a'].module == 'norm_variants' and 'RunningBatchNorm' in lessons()['07a'].exports
    assert 'RunningBatchNorm' not in lessons()['07'].exports
    assert 'FlagRunner' in lessons()['03b'].defs


# ---- every lesson's prose ----

NOTEBOOKS = sorted(p for p in NBS.glob('*.ipynb') if LESSON_FILE.match(p.name) or p.name == 'index.ipynb')

@pytest.mark.parametrize('path', NOTEBOOKS, ids=lambda p: p.stem)
def test_lesson_references_are_true(path):
    problems = []
    for i, cell in enumerate(json.loads(path.read_text())['cells']):
        if cell['cell_type'] != 'markdown': continue
        text = ' '.join(''.join(cell['source']).split())
        for number, kind, value, pos in references(text):
            lesson = lessons().get(number)
            if lesson is not None and lesson.defines(kind, value): continue
            where = [n for n, l in lessons().items() if l.defines(kind, value)]
            problems.append(f"cell {i}: ...{text[max(0, pos - 60):pos + 60]}...\n"
                            f"    names lesson {number} for {kind} {value!r}, which "
                            + ("is no lesson" if lesson is None else f"lesson {number} does not define")
                            + f"; defined by: {', '.join(where) or 'none'}")
    assert not problems, f'{path.name}: lesson references that point at the wrong lesson:\n' + '\n'.join(problems)
