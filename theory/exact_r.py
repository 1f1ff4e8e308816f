"""Reading the scale r exactly, within documented size limits, before any work.

``r`` enters every closed form, and sympy simplifies expressions in r. An
exact form that is huge (``2**100000``, a 4000-digit integer, ``1e999999``) or
deeply nested (a 5000-term sum) makes sympy hang or overflow its recursion
limit long after validation; a magnitude far from 1 overflows float64 in the
numeric layer (``r**4`` appears in the block norms). So r is checked against
these limits up front, and the error names r:

========================  ==========================================
``R_MAX_CHARS``           characters of a string form of r
``R_MAX_NODES``           numbers, operators and calls in that form
``R_MAX_DEPTH``           nesting depth of that form (parentheses, sqrt)
``R_MAX_DIGITS``          digits of any number inside r (numerator and
                          denominator of every rational, exponents included)
``R_MAX_POWER``           absolute value of an integer exponent ``**``
``R_MIN`` .. ``R_MAX``    range of a non-zero r
========================  ==========================================

A string may contain decimal numbers (``0.1``, ``25e-3``), ``+ - * / **``,
parentheses and ``sqrt(...)``; it is parsed with :mod:`ast` and built
bottom-up, checking every intermediate number, so nothing big is ever made.
Decimals are exact (``0.1`` is 1/10).
"""

from __future__ import annotations

import ast
import math
import re
from fractions import Fraction
from numbers import Real
from typing import Any

import sympy as sp

__all__ = [
    "exact_r", "R_MAX_CHARS", "R_MAX_NODES", "R_MAX_DEPTH", "R_MAX_DIGITS", "R_MAX_POWER", "R_MIN", "R_MAX",
    "LIMITS_TEXT",
]

#: Characters of a string form of r (a 5000-term sum is refused before parsing).
R_MAX_CHARS = 200
#: Syntax-tree nodes (numbers, operators, calls) of a string form of r.
R_MAX_NODES = 60
#: Nesting depth of the syntax tree of a string form of r.
R_MAX_DEPTH = 12
#: Digits of any integer inside r: every rational's numerator and denominator.
R_MAX_DIGITS = 60
#: Largest absolute integer exponent of ``**``.
R_MAX_POWER = 64
#: Smallest non-zero r: r**4 and 1/r**4 stay far inside float64's range (1e-308 .. 1e308).
R_MIN = sp.Rational(1, 10**30)
#: Largest r (same reason; with P <= 1024 and k <= 8 the largest products stay below 1e130).
R_MAX = sp.Integer(10**30)

#: One-line statement of the limits, for error messages and --help.
LIMITS_TEXT = (f"r is 0 or between 1e-30 and 1e30, written in at most {R_MAX_CHARS} characters with numbers of "
               f"at most {R_MAX_DIGITS} digits, integer exponents up to {R_MAX_POWER} and nesting depth "
               f"{R_MAX_DEPTH}")

_DECIMAL = re.compile(r"^(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<exp>[+-]?[0-9]+))?$")


def _refuse(value: Any, why: str) -> ValueError:
    if isinstance(value, int) and value.bit_length() > 1000:  # repr of a huge int is slow or refused
        shown = f"an integer of {value.bit_length()} bits"
    else:
        cut = "...'" if isinstance(value, str) else "..."  # close the quote only of a quoted string
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + cut
    return ValueError(f"r must be a finite real number >= 0 ({why}); got {shown}")


def _check_rational(q: sp.Rational, value: Any) -> sp.Rational:
    for part in (q.p, q.q):
        if len(str(abs(part))) > R_MAX_DIGITS:  # str of an int this size is cheap; bigger ones never get built
            raise _refuse(value, f"a number in r has more than {R_MAX_DIGITS} digits")
    return q


def _decimal(text: str, value: Any) -> sp.Rational:
    """An exact rational from a decimal literal, refusing big ones before building them."""
    m = _DECIMAL.match(text)
    if m is None or not (m["int"] or m["frac"]):
        raise _refuse(value, f"{text!r} is not a decimal number")
    digits = (m["int"] or "") + (m["frac"] or "")
    if m["exp"] and len(m["exp"].lstrip("+-")) > 6:  # refuse 1e9999999999 without reading the exponent
        raise _refuse(value, f"a number in r has more than {R_MAX_DIGITS} digits")
    shift = int(m["exp"] or 0) - len(m["frac"] or "")
    significant = digits.lstrip("0") or "0"
    if significant != "0" and (len(significant) > R_MAX_DIGITS or len(significant) + shift > R_MAX_DIGITS
                               or -shift >= R_MAX_DIGITS):
        raise _refuse(value, f"a number in r has more than {R_MAX_DIGITS} digits")
    if significant == "0":
        return sp.Integer(0)
    q = sp.Integer(int(significant)) * (sp.Integer(10) ** shift if shift >= 0 else sp.Rational(1, 10 ** -shift))
    return _check_rational(q, value)


def _depth(node: ast.AST) -> int:
    """Nesting depth counted over numbers, operations and calls (not operator tokens or names)."""
    children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr) and not isinstance(c, ast.Name)]
    return 1 + max((_depth(c) for c in children), default=0)


def _build(node: ast.AST, text: str, value: Any) -> sp.Expr:
    """The sympy value of one syntax-tree node, checking the size of what it makes."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return _decimal(ast.get_source_segment(text, node) or "", value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        inner = _build(node.operand, text, value)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sqrt" \
            and len(node.args) == 1 and not node.keywords:
        return _checked(sp.sqrt(_build(node.args[0], text, value)), value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        base = _build(node.left, text, value)
        exponent = _build(node.right, text, value)
        if not (exponent.is_Integer and abs(int(exponent)) <= R_MAX_POWER):
            raise _refuse(value, f"exponents must be integers in [-{R_MAX_POWER}, {R_MAX_POWER}]")
        if base.is_Rational:  # a lower bound of the result's digits, before computing it
            least = (max(len(str(abs(base.p))), len(str(base.q))) - 1) * abs(int(exponent)) + 1
            if least > R_MAX_DIGITS:
                raise _refuse(value, f"a number in r has more than {R_MAX_DIGITS} digits")
        if base == 0 and exponent < 0:
            raise _refuse(value, "division by zero")
        return _checked(base ** exponent, value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        left, right = _build(node.left, text, value), _build(node.right, text, value)
        if isinstance(node.op, ast.Div) and right == 0:
            raise _refuse(value, "division by zero")
        ops = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
               ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}
        return _checked(ops[type(node.op)](left, right), value)
    raise _refuse(value, "only numbers, + - * / **, parentheses and sqrt(...) are allowed")


def _checked(expr: sp.Expr, value: Any) -> sp.Expr:
    for q in expr.atoms(sp.Rational):
        _check_rational(q, value)
    return expr


def _parse(text: str, value: Any) -> sp.Expr:
    if len(text) > R_MAX_CHARS:
        raise _refuse(value, f"its exact form is limited to {R_MAX_CHARS} characters")
    if not text.strip():
        raise _refuse(value, "empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        raise _refuse(value, "not a number, fraction or sqrt(...) expression") from err
    nodes = sum(1 for n in ast.walk(tree.body) if not isinstance(n, (ast.operator, ast.unaryop, ast.Load)))
    if nodes > R_MAX_NODES:
        raise _refuse(value, f"its exact form is limited to {R_MAX_NODES} numbers and operations")
    if _depth(tree.body) > R_MAX_DEPTH:
        raise _refuse(value, f"its exact form is limited to nesting depth {R_MAX_DEPTH}")
    return _build(tree.body, text.strip(), value)


def exact_r(value: Any) -> sp.Expr:
    """Return ``value`` as an exact sympy number within the documented limits.

    Accepts int, float (read as its shortest decimal, so ``0.1`` is 1/10),
    str, Fraction and sympy numbers or surds. Raises ``ValueError`` naming
    ``r``, its value and the limit, before any expensive work.

    Examples
    --------
    >>> exact_r("0.1"), exact_r("3/2"), exact_r("sqrt(8)")
    (1/10, 3/2, 2*sqrt(2))
    """
    if isinstance(value, bool):
        raise _refuse(value, "a boolean is not a number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _refuse(value, "not finite")
        exact: sp.Expr = _decimal(repr(value).lstrip("-"), value) * (-1 if value < 0 else 1)
    elif isinstance(value, int):
        if value.bit_length() > 4 * R_MAX_DIGITS:  # about 1.2 digits per 4 bits: refuse without printing it
            raise _refuse(value, f"a number in r has more than {R_MAX_DIGITS} digits")
        exact = _check_rational(sp.Integer(value), value)
    elif isinstance(value, Fraction):
        exact = _check_rational(sp.Rational(value.numerator, value.denominator), value)
    elif isinstance(value, str):
        exact = _parse(value, value)
    elif isinstance(value, sp.Basic):
        if sp.count_ops(value) > R_MAX_NODES:
            raise _refuse(value, f"its exact form is limited to {R_MAX_NODES} numbers and operations")
        exact = _checked(sp.Rational(str(value)) if isinstance(value, sp.Float) else value, value)
    elif isinstance(value, Real):
        exact = exact_r(float(value))
    else:
        raise _refuse(value, f"type {type(value).__name__} is not a number")
    if not (exact.is_number and exact.is_real and exact.is_finite):
        raise _refuse(value, "not a finite real number")
    if exact.is_zero is None:
        raise _refuse(value, "cannot decide whether it is zero")
    if exact.is_zero:
        return sp.Integer(0)
    if exact.is_negative:
        raise _refuse(value, "negative")
    if not (R_MIN <= exact <= R_MAX):
        raise _refuse(value, "a non-zero r must lie between 1e-30 and 1e30")
    return exact
