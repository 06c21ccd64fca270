"""sparq-import-onnx: MODEL.onnx -> MLIR text (linalg level by default), for
piping into sparq-opt. Errors are one line on stderr and exit status 1; the
output file is written whole or not at all."""
import argparse
import os
import sys
import tempfile

from .errors import ImportError


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="sparq-import-onnx",
        description="Import an ONNX model as MLIR (TOSA lowered to linalg by "
                    "upstream's passes), ready for sparq-opt.")
    parser.add_argument("model", help="the .onnx file")
    parser.add_argument("-o", "--output", default="-",
                        help="output .mlir file ('-' for stdout, the default)")
    parser.add_argument("--batch", type=int, default=None,
                        help="size for a dynamic first input dimension")
    parser.add_argument("--tosa", action="store_true",
                        help="stop at TOSA (skip the lowering to linalg)")
    parser.add_argument("--entry", default="main", help="function name (main)")
    args = parser.parse_args(argv)

    from .importer import import_model
    try:
        module = import_model(args.model, batch=args.batch, lower=not args.tosa,
                              entry=args.entry)
    except ImportError as e:
        print(f"sparq-import-onnx: error: {e}", file=sys.stderr)
        return 1
    text = module.to_string()
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    # Write next to the destination and rename: never a half-written file.
    directory = os.path.dirname(os.path.abspath(args.output))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".sparq-import-", suffix=".mlir")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, args.output)
    except OSError as e:
        if "tmp" in locals() and os.path.exists(tmp):
            os.unlink(tmp)
        print(f"sparq-import-onnx: error: cannot write '{args.output}': {e}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
