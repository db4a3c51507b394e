# Recorded without memory events (MEMVIEW_EVENTS=0), the chart of memory
# over time falls back to the objects in the picture and says so; its
# columns are the objects this trace shows (tests/events: check_chart_no_events).
kept = []
for i in range(60):
    kept.append([i] * 3)
    if i % 20 == 19:
        kept = []
print("kept", len(kept))
