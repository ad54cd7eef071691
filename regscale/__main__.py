"""``python -m regscale`` runs the command line."""

from regscale.cli import main

main()
