"""The course's show_doc renderer (nbdev 2): classes as classes, properties as properties, a plain source link.

Not a lesson and not part of the library's API: this module is the notebooks' tooling. settings.ini names it
(`renderer = dl_foundations._showdoc.ClassAwareRenderer`), and nbdev's `show_doc` imports it from there, so the
same renderer draws every show_doc entry wherever one is made: a lesson run in JupyterLab, `nbdev_test`,
`tools/run_lessons.py`, and nbdev's processing for both documentation builds (tools/build_docs.py offline, Quarto
in the deploy workflow). It lives in the package because that is the one place every one of those processes can
import it from (the course venv installs the package editable). It needs nbdev, the notebooks' toolchain; the
package itself never imports it, and a user's `pip install` does not need it.

Why not nbdev's own renderer (`BasicMarkdownRenderer`):
- its source link is Quarto-only Markdown, `[source](url){target="_blank" style="float:right; ..."}`: Quarto
  reads the `{...}` as link attributes, but JupyterLab, GitHub's notebook view and the offline docs show the
  attribute text literally above every heading. This renderer writes the link as an HTML `<a>` element with the
  same attributes, which all of them render (GitHub drops the style and shows a plain `source` link);
- it renders every symbol with fastcore's `DocmentText`, which writes `def Name(...)` and takes a class's
  parameters from `cls.__init__`: a class that inherits its constructor from `object`, `Exception` or
  `torch.autograd.Function` shows as `def Callback(*args, **kwargs):`, and every class reads like a function;
- a property shows as `def lrs()->list[float]:`, a function to call, which it is not;
- nbdev's `add_links` turns each `backticked` word of a show_doc output into a Markdown link, including the
  parameter comments inside the signature's code block, where Markdown is not rendered: the reader sees
  ``[`progress_wanted()`](https://...)``.

`ClassAwareRenderer` renders:
- a class as `class Name(<constructor parameters with their docments>):`, the parameters taken from the
  `__init__` the class really runs when that one is the project's (its own or a base's) or a dataclass's; a
  class whose constructor comes from outside the project (object, Exception, torch) as `class Name:` plus a
  `Bases:` line, never as `*args, **kwargs`;
- a property as the source declares it (`@property` over `def name(self) -> type:`, and its setter if it has one);
- functions and methods as before (`def name(...)`), with `async def` kept;
- parameter comments without backticks (a signature is code: Markdown there is shown literally), and only the
  annotations the source wrote (fastcore would show `cbs:NoneType=None` for `cbs=None`);
- a docstring's `a*b` escaped, so it does not end the italics the docstring is shown in.
"""
from __future__ import annotations

import ast, dataclasses, functools, html, importlib.util, inspect, re
from pathlib import Path

from fastcore.docments import DocmentText, _fmt_sig, _ital_first, qual_name
from nbdev.showdoc import BasicMarkdownRenderer
from nbdev.doclinks import NbdevLookup

MAXLINE = 88  # a signature line of at most ~88 characters fits the docs column without wrapping

def _lib_name() -> str:
    from nbdev.config import get_config
    try: return get_config().lib_name
    except Exception: return ''

def _own_init(cls):
    "The class in `cls.__mro__` whose `__init__` runs, if it is one of this project's classes (else None)."
    lib = _lib_name()
    for k in cls.__mro__:
        if '__init__' in vars(k):
            mod = getattr(k, '__module__', '') or ''
            return k if lib and (mod == lib or mod.startswith(lib + '.') or mod == '__main__') else None
    return None

def _clean_doc(doc) -> str:
    "A parameter comment as plain code text: no backticks, one line."
    return re.sub(r'`+', '', str(doc or '')).strip()

class PlainDocmentText(DocmentText):
    "fastcore's signature text, with parameter comments as plain text (no backticks)."
    @property
    def params(self): return [(fmt, _clean_doc(doc)) for fmt, doc in super().params]
    def _fmt_param(self, nm, p):
        # fastcore fills a missing annotation with the default's type (`cbs:NoneType=None`, `tfm:function=...`),
        # which reads as a requirement the code does not make: show only annotations the source wrote.
        try: real = inspect.signature(self.obj).parameters.get(nm)
        except (ValueError, TypeError): real = None
        if real is not None and real.annotation is inspect.Parameter.empty: p = {**p, 'anno': inspect.Parameter.empty}
        return super()._fmt_param(nm, p)
    @property
    def _ret_str(self): return re.sub(r'`+', '', super()._ret_str)

def _bases(cls) -> list[str]:
    return [b.__name__ for b in cls.__bases__ if b is not object]

def class_signature(cls, maxline:int=MAXLINE) -> tuple[str, list[str]]:
    "(the class line(s) for the code block, its base-class names)."
    name = cls.__name__
    if dataclasses.is_dataclass(cls): owner = cls
    else: owner = _own_init(cls)
    if owner is None:
        try: empty = not inspect.signature(cls).parameters
        except (ValueError, TypeError): empty = False
        return (f'class {name}():' if empty and cls.__init__ is object.__init__ else f'class {name}:'), _bases(cls)
    dt = PlainDocmentText(cls if dataclasses.is_dataclass(cls) else owner.__init__, maxline=maxline, docstring=False)
    return _fmt_sig(name, dt.params, '):', maxline, prefix='class'), _bases(cls)  # no `-> None`: it builds the instance

def _escape_products(text:str) -> str:
    "Escape a `*` between two non-spaces (`sqrt(3)*std`): the docstring is shown in italics, and it would end them."
    return re.sub(r'(?<=[^\s*\\])\*(?=[^\s*])', r'\\*', text)

def property_signature(prop:property) -> str:
    "A property as its source declares it: `@property` over `def name(self) -> type:`, then its setter, if any."
    def ret(f):
        a = f.__annotations__.get('return', inspect.Signature.empty)
        return '' if a is inspect.Signature.empty else f' -> {a if isinstance(a, str) else inspect.formatannotation(a)}'
    name = prop.fget.__name__
    lines = ['@property', f'def {name}(self){ret(prop.fget)}:']
    if prop.fset is not None:
        params = list(inspect.signature(prop.fset).parameters.values())[1:]  # after self: the value assigned
        lines += [f'@{name}.setter', f'def {name}(self, {", ".join(_param_text(q) for q in params)}):']
    return '\n'.join(lines)

def _param_text(p:inspect.Parameter) -> str:
    a = p.annotation
    return p.name if a is inspect.Parameter.empty else f'{p.name}:{a if isinstance(a, str) else inspect.formatannotation(a)}'

def source_link(url:str) -> str:
    """The link to a symbol's source, floated right above its heading, as an HTML element: nbdev writes it as
    Quarto-only Markdown (`[source](url){target=...}`), whose attribute text other renderers show literally."""
    return f'<a href="{html.escape(url)}" target="_blank" style="float:right; font-size:smaller">source</a>'

@functools.lru_cache(None)
def _def_lines(py_file:Path) -> dict:
    "Line of each top-level def/class (`name`) and method (`Class.name`) in a module: the first definition, at its first decorator."
    tree, lines = ast.parse(py_file.read_text(encoding='utf-8')), {}
    defs = ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef
    first = lambda node: min([node.lineno] + [d.lineno for d in node.decorator_list])
    for node in tree.body:
        if not isinstance(node, defs): continue
        lines.setdefault(node.name, first(node))
        if isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, defs): lines.setdefault(f'{node.name}.{sub.name}', first(sub))
    return lines

class ClassAwareRenderer(BasicMarkdownRenderer):
    "nbdev's Markdown renderer for show_doc, with classes as classes, properties as properties and an HTML source link."
    def __init__(self, sym, name:str|None=None, title_level:int=3, maxline:int=MAXLINE):
        self.prop = sym if isinstance(sym, property) else None  # nbdev's renderer keeps only the getter
        super().__init__(sym, name=name, title_level=title_level, maxline=maxline)

    def signature(self) -> tuple[str, list[str]]:
        o = self.sym
        if self.prop is not None: return property_signature(self.prop), []
        if inspect.isclass(o): return class_signature(o, self.maxline)
        return str(PlainDocmentText(o, maxline=self.maxline, docstring=False)), []

    def source_url(self) -> str|None:
        """The symbol's source on GitHub, at its line. nbdev's own lookup finds the line only for a symbol named
        without its module (a lesson's own class, defined in `__main__`), not for one imported from the package."""
        found = NbdevLookup()[self.fn]
        if not isinstance(found, tuple): return None
        _, py, url = found
        mod = importlib.util.find_spec(py.split('/')[0])
        line = _def_lines(Path(mod.origin).parent.joinpath(*py.split('/')[1:])).get(qual_name(self.sym)) if mod and mod.origin else None
        return f'{url}#L{line}' if line else url

    def _repr_markdown_(self):
        doc = '---\n\n'
        src = self.source_url()
        if src: doc += source_link(src) + '\n\n'
        doc += f'{"#" * self.title_level} {self.nm}\n\n'
        sig, bases = self.signature()
        doc += f'```python\n{sig}\n```'
        if bases: doc += '\n\nBases: ' + ', '.join(f'`{b}`' for b in bases)
        if self.docs: doc += f'\n\n{_ital_first(_escape_products(self.docs))}'
        return doc

    def __repr__(self):
        "The output's text version (a terminal, a text-only viewer): the same heading, signature and docstring, unformatted."
        sig, bases = self.signature()
        return '\n'.join([self.nm, sig] + (['Bases: ' + ', '.join(bases)] if bases else []) + ([self.docs] if self.docs else []))
