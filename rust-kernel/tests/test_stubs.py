"""The `.pyi` stubs list exactly what the compiled module exports, with the same parameters."""

import ast
import inspect
from pathlib import Path

import deepalpha_kernel
import numpy as np
from deepalpha_kernel import _native

STUB = Path(deepalpha_kernel.__file__).with_name("_native.pyi")


def stub_tree():
    return ast.parse(STUB.read_text())


def test_every_public_name_is_stubbed_and_vice_versa():
    tree = stub_tree()
    stubbed = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    }
    exported = {
        name
        for name, obj in vars(_native).items()
        if not name.startswith("_") and (callable(obj) or inspect.isclass(obj))
    }
    assert stubbed == exported


def test_function_signatures_match():
    """Names and order of parameters match; a default is compared with the runtime one when PyO3
    can show it, and otherwise checked by behaviour (omitting it gives the stub default's
    result)."""
    x = np.random.default_rng(0).normal(size=300).cumsum() + 100
    for node in stub_tree().body:
        if isinstance(node, ast.FunctionDef):
            func = getattr(_native, node.name)
            runtime = inspect.signature(func)
            stub_params = [a.arg for a in node.args.args] + [a.arg for a in node.args.kwonlyargs]
            assert list(runtime.parameters) == stub_params, node.name
            defaults = [ast.literal_eval(d) for d in node.args.defaults]
            positional = [
                p
                for p in runtime.parameters.values()
                if p.default is not inspect.Parameter.empty
                and p.kind is not inspect.Parameter.KEYWORD_ONLY
            ]
            assert len(defaults) == len(positional), node.name
            arrays = [x] * (len(node.args.args) - len(defaults))
            for i, (stub, param) in enumerate(zip(defaults, positional, strict=True)):
                if param.default is not Ellipsis:
                    assert stub == param.default, (node.name, param.name)
                else:
                    implicit = func(*arrays, *defaults[:i])
                    explicit = func(*arrays, *defaults[: i + 1])
                    np.testing.assert_array_equal(implicit, explicit, err_msg=node.name)


def test_every_function_has_a_docstring():
    for name in deepalpha_kernel.__all__:
        obj = getattr(deepalpha_kernel, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), name
