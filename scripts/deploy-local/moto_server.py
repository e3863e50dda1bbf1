"""moto's server with msk-inference's extensions (scripts/deploy-local/motoext) registered first.

    .cache/venvs/moto/bin/python scripts/deploy-local/moto_server.py -H 127.0.0.1 -p 5055

Takes moto.server's own arguments. Run by scripts/deploy-local/moto-server.ts; see docs/deploy-local.md.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from moto.server import main  # noqa: E402

from motoext import register  # noqa: E402

if __name__ == "__main__":
    register()
    main(sys.argv[1:])
