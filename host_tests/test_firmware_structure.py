"""The shape of firmware/, read from its source: no import cycle anywhere
(not even through an import inside a function), and a safety gate that
shares no code with the decision it checks."""

import ast
from pathlib import Path

FIRMWARE = Path(__file__).resolve().parents[1] / "firmware"


def module_name(path):
    parts = list(path.relative_to(FIRMWARE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports():
    """{module: set of firmware modules it imports, anywhere in its source}."""
    modules = {module_name(path): path for path in FIRMWARE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [node.module] + ["%s.%s" % (node.module, alias.name) for alias in node.names]
            else:
                continue
            found.update(target for target in targets if target in modules and target != name)
        graph[name] = found
    return graph


def reachable(graph, start):
    seen, stack = set(), [start]
    while stack:
        for name in graph[stack.pop()]:
            if name not in seen:
                seen.add(name)
                stack.append(name)
    return seen


def test_the_import_graph_is_read_from_every_firmware_module():
    graph = imports()
    assert {"thermo.control", "thermo.gate", "thermo.decide", "thermo.timers", "app.runner"} <= set(graph)
    assert "thermo.gate" in graph["thermo.control"] and "thermo.values" in graph["thermo.schedule"]


def test_no_firmware_module_imports_itself_through_others():
    graph = imports()
    cycles = sorted(name for name in graph if name in reachable(graph, name))
    assert cycles == []


def test_the_gate_shares_no_code_with_the_decision():
    graph = imports()
    for module in ("thermo.gate", "thermo.lockout"):
        assert "thermo.decide" not in reachable(graph, module), module
    assert "thermo.lockout" not in reachable(graph, "thermo.decide")


def test_a_cycle_would_be_found():
    graph = {"a.x": {"a.y"}, "a.y": {"a.x"}, "a.z": set()}
    assert [name for name in graph if name in reachable(graph, name)] == ["a.x", "a.y"]
