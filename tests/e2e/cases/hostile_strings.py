# Strings and bytes that could break an output: HTML end tags, NUL, terminal
# escapes, a bidi override, a lone surrogate, U+2028. The JSON must carry them
# exactly (valid UTF-8), and the text output must not emit them raw.
# mv: str-value s 'a</script>b\x00c\x1b[31mred\u202eevil\ud800end'
# mv: str-value sep 'line\u2028para\u2029end'
# mv: type raw bytes
# mv: repr raw
# mv: length long 300
# mv: startswith long "xxxxxxxxxx"
# mv: str-value key_holder["\u2028"] 'v'

s = "a</script>b\x00c\x1b[31mred\u202eevil\ud800end"
sep = "line\u2028para\u2029end"
raw = b"\x00\x1b[31m</script>\xff"
long = "x" * 300
key_holder = {"\u2028": "v"}
print(ascii(s), ascii(sep), raw, len(long))
