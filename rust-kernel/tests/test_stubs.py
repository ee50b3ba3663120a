"""The `.pyi` stubs list exactly what the compiled module exports, with the same parameters."""

import ast
import inspect
from pathlib import Path

import deepalpha_kernel
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
    for node in stub_tree().body:
        if isinstance(node, ast.FunctionDef):
            runtime = inspect.signature(getattr(_native, node.name))
            stub_params = [a.arg for a in node.args.args] + [a.arg for a in node.args.kwonlyargs]
            assert list(runtime.parameters) == stub_params, node.name
            defaults = [ast.literal_eval(d) for d in node.args.defaults]
            runtime_defaults = [
                p.default
                for p in runtime.parameters.values()
                if p.default is not inspect.Parameter.empty
                and p.kind is not inspect.Parameter.KEYWORD_ONLY
            ]
            assert defaults == runtime_defaults, node.name


def test_every_function_has_a_docstring():
    for name in deepalpha_kernel.__all__:
        obj = getattr(deepalpha_kernel, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), name
