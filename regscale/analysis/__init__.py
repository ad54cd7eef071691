"""From a study folder to numbers: collect the runs, fit, and hand finished tables to ``report``.

``collect`` reads run folders into tables; ``sweep`` and ``transfer`` compute every number and
table of their study once (fits, points behind each fit, fitted lines, effective data), so the
report only draws and writes, and the command line only prints.
"""
