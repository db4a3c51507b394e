# Sourced by setup.sh and test.sh: the interpreters memview is built for.
# Prints one interpreter path per line: pyenv's 3.11, 3.12, 3.13 where
# installed, else Debian's python3.11 (with python3.11-dev).
mv_pythons() {
    local root found=0 v p
    root="${PYENV_ROOT:-$HOME/.pyenv}"
    for v in 3.11 3.12 3.13; do
        for p in "$root"/versions/"$v".*/bin/python"$v"; do
            if [ -x "$p" ] && [ -x "$(dirname "$p")/python$v-config" ]; then
                echo "$p"
                found=1
                break
            fi
        done
    done
    if [ "$found" = 0 ] && [ -x /usr/bin/python3.11 ] && [ -x /usr/bin/python3.11-config ]; then
        echo /usr/bin/python3.11
    fi
}
