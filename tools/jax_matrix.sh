#!/usr/bin/env bash
# Test the neural-tangents bridge (ntk_course._compat) on other JAX releases, the
# way Colab installs the course next to its own JAX. Each version gets a
# throwaway virtualenv under $TMPDIR; the compat and kernel tests must pass.
#   bash tools/jax_matrix.sh 0.7.2 0.8.3 0.9.2
# Versions that pass belong in ntk_course._compat.TESTED_JAX.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
python3 -m pip wheel -q --no-deps -w "$work/wheel" "$root"
for version in "$@"; do
  env="$work/jax-$version"
  python3 -m venv "$env"
  "$env/bin/pip" install -q "jax==$version" "jaxlib==$version" numpy scipy optax matplotlib \
    scikit-learn tqdm frozendict mnist1d pytest
  "$env/bin/pip" install -q --no-deps neural-tangents==0.6.5 "$work"/wheel/ntk_course-*.whl
  (cd "$work" && NTK_COURSE_ALLOW_UNTESTED_JAX=1 "$env/bin/python" -m pytest \
     "$root/tests/test_compat.py" "$root/tests/test_kernels.py" -q -p no:cacheprovider \
     --rootdir="$work" -k "not versions_are_the_tested") && echo "JAX $version: passed"
done
