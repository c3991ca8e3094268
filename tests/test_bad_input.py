"""Bad input to any public neurodl function or class gives a clear TypeError or ValueError.

Generic and automatic: every module under ``neurodl`` (``neurodl.scratch.*`` and
``neurodl.brain.*`` included, as they appear) is imported, and every public function,
class constructor and public method of an instance that can be built is called with
hypothesis-generated arguments in which some parameters get bad values (wrong types,
NaN and infinity, negative or huge numbers, empty and wrongly shaped arrays, wrong
dtypes) and the others plausible ones.

A call may succeed (a "bad" value is sometimes fine, e.g. an empty tuple of options),
but if it raises, the exception must be a ``TypeError`` or ``ValueError`` (or a subclass,
such as neurodl's own ``DatasetIntegrityError``) or an error class neurodl defines, and
its message must name one of the arguments. Anything else (``IndexError``,
``AttributeError``, ``ZeroDivisionError``, a NumPy broadcasting error...) fails. And each
callable must refuse at least one of the values thrown at it, so the test cannot pass
by never reaching the checks.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import urllib.error
from pathlib import Path
from collections.abc import Callable
from typing import Any

import hypothesis.extra.numpy as hnp
import matplotlib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import neurodl

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# ----------------------------------------------------------------------------- discovery


def public_modules() -> list[str]:
    """Every importable neurodl module whose dotted name has no part starting with ``_``."""
    names = ["neurodl"]
    for info in pkgutil.walk_packages(neurodl.__path__, "neurodl."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def _is_record(obj: type) -> bool:
    """Exceptions and plain records (NamedTuple, dataclass) hold what they are given."""
    return issubclass(obj, BaseException) or issubclass(obj, tuple) or hasattr(obj, "__dataclass_fields__")


def public_callables() -> dict[str, Callable[..., Any]]:
    """Public functions and classes of every neurodl module, by qualified name, each once."""
    found: dict[int, tuple[str, Callable[..., Any]]] = {}
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
        for name in names:
            obj = getattr(module, name, None)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if not getattr(obj, "__module__", "").startswith("neurodl"):
                continue  # re-exported from NumPy, typing, ...
            if inspect.isclass(obj) and _is_record(obj):
                continue
            found.setdefault(id(obj), (f"{obj.__module__}.{obj.__qualname__}", obj))
    return dict(sorted(found.values()))


CALLABLES = public_callables()
NEURODL_ERRORS = tuple(
    obj
    for name in public_modules()
    for obj in vars(importlib.import_module(name)).values()
    if inspect.isclass(obj) and issubclass(obj, Exception) and obj.__module__.startswith("neurodl")
)

# ----------------------------------------------------------------------------- values

SMALL_SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)
BAD_VALUES = st.one_of(
    st.sampled_from([None, "abc", "", b"\x00", object(), [], [[1.0, 2.0], [3.0]], {"a": "b"}, (), ["x", "y"]]),
    st.booleans(),
    st.sampled_from([-1, 0, 2**70, -(2**31)]),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), -1.0, 0.0, 1e300, -1e-300]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(max_magnitude=10),
    hnp.arrays(dtype=hnp.floating_dtypes(sizes=(32, 64)), shape=SMALL_SHAPES),
    hnp.arrays(dtype=st.sampled_from([np.int64, np.uint8, np.bool_, np.complex128]), shape=SMALL_SHAPES),
    hnp.arrays(dtype=np.float64, shape=SMALL_SHAPES, elements=st.sampled_from([np.nan, np.inf, -1.0, 0.0])),
    st.sampled_from([np.array(["a", "b"]), np.array([object(), 1], dtype=object), np.empty((0, 3))]),
)


def plausible(parameter: inspect.Parameter) -> Any:
    """A value of the kind the parameter's annotation or default suggests."""
    if parameter.default is not inspect.Parameter.empty:
        return parameter.default
    hint = str(parameter.annotation).lower()
    name = parameter.name
    if "callable" in hint:
        return lambda X, *args, **kwargs: np.zeros(len(np.asarray(X)), dtype=np.int64)
    if "bool" in hint and "ndarray" not in hint:
        return True
    if re.search(r"\bint\b", hint) and "ndarray" not in hint and "float" not in hint:
        return 3
    if re.search(r"\bfloat\b", hint) and "ndarray" not in hint:
        return 0.5
    if "mapping" in hint or "dict" in hint:
        return {"loss": [1.0, 0.5, 0.25]}
    if hint.startswith("str") or "path" in hint:
        return "x"
    if name in ("y", "labels", "target", "targets"):
        return np.array([0, 1, 0, 1], dtype=np.int64)
    return np.linspace(-1.0, 1.0, 12).reshape(4, 3)


def _parameters(func: Callable[..., Any]) -> list[inspect.Parameter]:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):  # builtins without a signature
        return []
    return [p for p in signature.parameters.values() if p.name != "self" and p.kind != p.VAR_POSITIONAL]


def _call(func: Callable[..., Any], params: list[inspect.Parameter], values: dict[str, Any]) -> Any:
    args, kwargs = [], {}
    for p in params:
        if p.kind == p.VAR_KEYWORD:
            kwargs.update(values[p.name])
        elif p.kind == p.POSITIONAL_ONLY:
            args.append(values[p.name])
        else:
            kwargs[p.name] = values[p.name]
    return func(*args, **kwargs)


def _check_exception(qualname: str, exc: Exception, names: list[str]) -> None:
    allowed = (TypeError, ValueError) + NEURODL_ERRORS
    if isinstance(exc, NEURODL_ERRORS) and not isinstance(exc, (TypeError, ValueError)):
        return  # neurodl's documented errors about the machine (e.g. no dataset), not about an argument
    assert isinstance(exc, allowed), (
        f"{qualname} raised {type(exc).__module__}.{type(exc).__name__}: {exc!s:.300} "
        "(bad input must give a TypeError or ValueError that names the argument)"
    )
    message = str(exc)
    assert any(re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", message) for n in names), (
        f"{qualname} raised {type(exc).__name__}({message[:300]!r}), which names none of its arguments {names}"
    )


def _fuzz(qualname: str, func: Callable[..., Any], params: list[inspect.Parameter]) -> None:
    """Throw hypothesis-generated bad arguments at ``func``; see the module docstring."""
    refused = []

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        bad_mask = data.draw(st.lists(st.booleans(), min_size=len(params), max_size=len(params)).filter(any))
        values, names = {}, []
        for p, bad in zip(params, bad_mask):
            if p.kind == p.VAR_KEYWORD:
                key = data.draw(st.sampled_from(["test_acc", "lr", "value"]))
                values[p.name] = {key: data.draw(BAD_VALUES) if bad else 0.5}
                names.append(key)
            else:
                values[p.name] = data.draw(BAD_VALUES) if bad else plausible(p)
                names.append(p.name)
        try:
            _call(func, params, values)
        except Exception as exc:  # every exception is inspected, none is swallowed
            _check_exception(qualname, exc, names)
            refused.append(exc)
        finally:
            plt.close("all")

    run()
    assert refused, f"{qualname} accepted every bad value thrown at it; does it validate its arguments?"


#: How to build an instance of a class whose constructor needs structured arguments (a
#: random generator, a list of parameters), so that its methods are fuzzed too. A class with
#: public methods that can be built neither from plausible arguments nor from here fails
#: the method test: add it here.
#: Layers are returned after one forward pass, so that ``backward`` is fuzzed on its
#: arguments (backward before forward is a state error, a RuntimeError, as in PyTorch).
FACTORIES: dict[str, Callable[[], Any]] = {
    "neurodl.scratch.layers.Linear": lambda: _primed(_layers().Linear(3, 2, rng=np.random.default_rng(0))),
    "neurodl.scratch.layers.Activation": lambda: _primed(_layers().Activation("relu")),
    "neurodl.scratch.layers.MLP": lambda: _primed(_layers().MLP([3, 4, 2], rng=np.random.default_rng(0))),
    "neurodl.scratch.optim.Optimizer": lambda: _optim().SGD([np.zeros(3)], lr=0.1),
    "neurodl.scratch.optim.SGD": lambda: _optim().SGD([np.zeros(3)], lr=0.1, momentum=0.9),
    "neurodl.scratch.optim.RMSprop": lambda: _optim().RMSprop([np.zeros(3)]),
    "neurodl.scratch.optim.Adam": lambda: _optim().Adam([np.zeros(3)]),
    "neurodl.train.Trainer": lambda: _trainer(),
    "neurodl.brain.predictive.PredictiveCoding": lambda: importlib.import_module(
        "neurodl.brain.predictive"
    ).PredictiveCoding((3, 2), rng=np.random.default_rng(0)),
}


def _trainer() -> Any:
    import torch

    net = torch.nn.Linear(3, 2)
    return importlib.import_module("neurodl.train").Trainer(
        net, torch.optim.SGD(net.parameters(), lr=0.1), device="cpu", progress=False
    )


def _primed(layer: Any) -> Any:
    layer.forward(np.ones((4, 3)))
    return layer


def _layers() -> Any:
    return importlib.import_module("neurodl.scratch.layers")


def _optim() -> Any:
    return importlib.import_module("neurodl.scratch.optim")


def _instance(cls: type) -> Any | None:
    """An instance from FACTORIES or from plausible arguments, or None if neither works."""
    factory = FACTORIES.get(f"{cls.__module__}.{cls.__qualname__}")
    if factory is not None:
        return factory()
    params = [p for p in _parameters(cls) if p.kind != p.VAR_KEYWORD]
    try:
        return cls(**{p.name: plausible(p) for p in params})
    except Exception:
        return None


# ----------------------------------------------------------------------------- the tests


@pytest.fixture(autouse=True)
def no_side_effects(tmp_path, monkeypatch):
    """Nothing a call does may reach the network, the repository's data/ or the working tree."""
    import neurodl.data

    def offline(*args, **kwargs):
        raise urllib.error.URLError("network disabled in the bad-input tests")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(neurodl.data, "REPO_DATA_DIR", tmp_path / "repo_data")
    monkeypatch.setattr(neurodl.data.urllib.request, "urlopen", offline)
    monkeypatch.delenv("NEURODL_DATA", raising=False)
    monkeypatch.setenv("NEURODL_OFFLINE", "1")
    yield
    plt.close("all")


def test_discovery_finds_every_module_and_the_known_functions():
    modules = public_modules()
    for expected in ("neurodl.core", "neurodl.data", "neurodl.plot", "neurodl.check"):
        assert expected in modules
    package = Path(neurodl.__path__[0])
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not any(part.startswith("_") for part in parts):
            assert ".".join(parts) in modules, f"{path} is not covered"
    for expected in ("neurodl.core.set_seed", "neurodl.data.load_fashion_mnist", "neurodl.plot.image_grid"):
        assert expected in CALLABLES


@pytest.mark.parametrize("qualname", list(CALLABLES))
def test_bad_arguments_give_a_clear_error(qualname):
    func = CALLABLES[qualname]
    params = _parameters(func)
    if not params:
        pytest.skip(f"{qualname} takes no arguments")
    _fuzz(qualname, func, params)


def _is_abstract(method: Callable[..., Any]) -> bool:
    """A base-class placeholder whose body only raises NotImplementedError."""
    if getattr(method, "__isabstractmethod__", False):
        return True
    try:
        body = inspect.getsource(method)
    except (OSError, TypeError):
        return False
    code = [line.strip() for line in body.splitlines()[1:] if line.strip() and not line.strip().startswith(("#", '"', "'"))]
    return bool(code) and all(line.startswith("raise NotImplementedError") for line in code[-1:]) and len(code) <= 2


METHODS = {
    f"{qualname}.{name}": (cls, name)
    for qualname, cls in CALLABLES.items()
    if inspect.isclass(cls)
    for name, member in inspect.getmembers(cls)
    if not name.startswith("_") and inspect.isfunction(member) and not _is_abstract(member)
}


@pytest.mark.parametrize("qualname", list(METHODS) or ["(no public methods yet)"])
def test_bad_arguments_to_methods_give_a_clear_error(qualname):
    if qualname not in METHODS:
        pytest.skip("no neurodl class has public methods yet")
    cls, name = METHODS[qualname]
    instance = _instance(cls)
    assert instance is not None, (
        f"no instance of {cls.__module__}.{cls.__qualname__} could be built from plausible "
        "arguments, so its methods go untested: add a factory for it to FACTORIES"
    )
    method = getattr(instance, name)
    params = _parameters(method)
    if not params:
        pytest.skip(f"{qualname} takes no arguments")
    _fuzz(qualname, method, params)


def test_the_check_fails_on_an_unclear_error():
    """Control: a function that leaks an IndexError, or a message naming nothing, is caught."""

    def leaky(X):
        return np.asarray(X)[10]

    def vague(X):
        raise ValueError("bad input")

    for func in (leaky, vague):
        with pytest.raises((AssertionError, BaseExceptionGroup)):
            _fuzz(func.__name__, func, _parameters(func))
