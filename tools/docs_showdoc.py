"""A show_doc renderer for nbdev 2 that shows classes as classes, with their real constructor signature.

Why: nbdev 2.4's `show_doc` renders every symbol with fastcore's `DocmentText`, which writes `def Name(...)` and
takes a class's parameters from `cls.__init__`. A class that inherits its constructor from `object`, `Exception`
or `torch.autograd.Function` therefore shows as `def Callback(*args, **kwargs):`, `def CancelBatchException(
*args, **kwargs):` or `def BatchNormFunction(*args, **kwargs):` (the `(self, /, *args, **kwargs)` of the C-level
`__init__`), and every class reads like a function. Separately, nbdev's `add_links` processor turns each
`backticked` word of a show_doc output into a Markdown link, including the parameter comments inside the
signature's code block, where Markdown is not rendered: the reader sees ``[`progress_wanted()`](https://...)``.

`ClassAwareRenderer` renders:
- a class as `class Name(<constructor parameters with their docments>):`, the parameters taken from the
  `__init__` the class really runs when that one is the project's (its own or a base's) or a dataclass's; a
  class whose constructor comes from outside the project (object, Exception, torch) as `class Name:` plus a
  `Bases:` line, never as `*args, **kwargs`;
- functions and methods as before (`def name(...)`), with `async def` kept;
- parameter comments without backticks (a signature is code: Markdown there is shown literally), and only the
  annotations the source wrote (fastcore would show `cbs:NoneType=None` for `cbs=None`);
- a docstring's `a*b` escaped, so it does not end the italics the docstring is shown in.

tools/build_docs.py installs it (`install()`) before it runs nbdev's processing, so the offline site uses it.
The same renderer can serve nbdev's Quarto build through settings.ini (`renderer = <module>.ClassAwareRenderer`)
once it lives in an importable module.
"""
from __future__ import annotations

import dataclasses, inspect, re

from fastcore.docments import DocmentText, _fmt_sig, _ital_first
from nbdev.showdoc import BasicMarkdownRenderer, _ext_link
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

class ClassAwareRenderer(BasicMarkdownRenderer):
    "nbdev's Markdown renderer for show_doc, with classes as classes and plain-text parameter comments."
    def __init__(self, sym, name:str|None=None, title_level:int=3, maxline:int=MAXLINE):
        super().__init__(sym, name=name, title_level=title_level, maxline=maxline)

    def signature(self) -> tuple[str, list[str]]:
        o = self.sym
        if inspect.isclass(o): return class_signature(o, self.maxline)
        return str(PlainDocmentText(o, maxline=self.maxline, docstring=False)), []

    def _repr_markdown_(self):
        doc = '---\n\n'
        src = NbdevLookup().code(self.fn)
        if src: doc += _ext_link(src, 'source', 'style="float:right; font-size:smaller"') + '\n\n'
        doc += f'{"#" * self.title_level} {self.nm}\n\n'
        sig, bases = self.signature()
        doc += f'```python\n{sig}\n```'
        if bases: doc += '\n\nBases: ' + ', '.join(f'`{b}`' for b in bases)
        if self.docs: doc += f'\n\n{_ital_first(_escape_products(self.docs))}'
        return doc

def install():
    "Make nbdev's show_doc use ClassAwareRenderer in this process (when settings.ini names no renderer)."
    import nbdev.showdoc
    nbdev.showdoc.BasicMarkdownRenderer = ClassAwareRenderer
