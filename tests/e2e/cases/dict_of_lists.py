# A dict whose values are lists, one of them also bound to a name.
# mv: type groups dict
# mv: nentries groups 3
# mv: same groups["even"] evens
# mv: refcount evens 2
# mv: nitems groups["odd"] 3
# mv: value groups["odd"][2] 5
# mv: differ groups["all"] evens
# mv: nitems groups["all"] 5
# mv: same groups["all"][0] evens[0]
# mv: same groups["all"][2] groups["odd"][0]
# mv: refcount groups["all"] 1

groups = {"even": [0, 2], "odd": [1, 3]}
evens = groups["even"]
groups["odd"].append(5)
groups["all"] = evens + groups["odd"]
print(groups)
