"""regscale: scaling laws in the complexity of the data.

Regular languages give a data source whose complexity is set exactly and whose best possible
loss is known exactly; natural languages enter as further languages for transfer studies.
See docs/design.md in the repository for the architecture and the math.
"""

__version__ = "0.1.0"
