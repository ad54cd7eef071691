"""Drawings of a minimal DFA: Graphviz DOT text and a PNG (networkx + matplotlib)."""

from __future__ import annotations

from pathlib import Path

from regscale.automata.compact_dfa import DEAD, CompactDFA


def edge_labels(dfa: CompactDFA) -> dict[tuple[int, int], str]:
    """``(from, to) -> "a,b"``: symbols per live edge, parallel edges merged."""
    labels: dict[tuple[int, int], list[str]] = {}
    for q, row in enumerate(dfa.transitions):
        for symbol, target in zip(dfa.alphabet, row, strict=True):
            if target != DEAD:
                labels.setdefault((q, int(target)), []).append(symbol)
    return {edge: ",".join(symbols) for edge, symbols in labels.items()}


def to_dot(dfa: CompactDFA, name: str = "dfa") -> str:
    """Graphviz DOT of the trimmed minimal DFA (start = state 0, double circles accept)."""
    safe = "".join(c if c.isalnum() else "_" for c in name)
    lines = [f"digraph {safe} {{", "  rankdir=LR;", '  start [shape=point];', "  start -> 0;"]
    for q in range(dfa.n_states):
        shape = "doublecircle" if dfa.accepting[q] else "circle"
        lines.append(f"  {q} [shape={shape}];")
    for (src, dst), label in sorted(edge_labels(dfa).items()):
        lines.append(f'  {src} -> {dst} [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def save_png(dfa: CompactDFA, path: Path, title: str = "") -> None:
    """Draw the DFA to a PNG; large DFAs are drawn without labels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(dfa.n_states))
    labels = edge_labels(dfa)
    graph.add_edges_from(labels)
    small = dfa.n_states <= 40
    pos = nx.kamada_kawai_layout(graph) if small else nx.spring_layout(graph, seed=0)
    size = min(4 + dfa.n_states * 0.4, 16)
    fig, ax = plt.subplots(figsize=(size, size * 0.75))
    colors = ["#f4a261" if a else "#8ecae6" for a in dfa.accepting]
    colors[0] = "#2a9d8f" if not dfa.accepting[0] else "#e76f51"
    nx.draw_networkx_nodes(graph, pos, node_color=colors, node_size=500 if small else 30, ax=ax)
    nx.draw_networkx_edges(graph, pos, ax=ax, arrows=True, connectionstyle="arc3,rad=0.15",
                           node_size=500 if small else 30)
    if small:
        nx.draw_networkx_labels(graph, pos, ax=ax)
        nx.draw_networkx_edge_labels(graph, pos, edge_labels=labels, ax=ax,
                                     connectionstyle="arc3,rad=0.15")
    key = "start: green (red if accepting); accepting: orange"
    ax.set_title(f"{title or f'minimal DFA: {dfa.n_states} states'}\n{key}", fontsize=10)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
