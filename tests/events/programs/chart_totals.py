# Lists built and dropped, never named one by one: memory over time rises
# and falls with the allocator's totals, and the chart (-f chart) draws
# exactly the totals the trace records (tests/events: check_chart_totals).


def build(n):
    return [[i, i + 1] for i in range(n)]


total = 0
for rnd in range(3):
    rows = build(300)
    total += len(rows)
    del rows
print("built", total)
