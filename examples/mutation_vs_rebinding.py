# Mutation vs rebinding inside a function.
#
# An argument is a reference to the caller's object. Mutating it (append)
# changes the object the caller sees. Assigning to the parameter only moves
# the function's own label; the caller's name is not affected.

def add_item(items):
    items.append("new")       # mutates the caller's list


def replace_list(items):
    items = ["replaced"]      # rebinds the local name only
    return items


shopping = ["milk"]
add_item(shopping)
print("after add_item:", shopping)       # ['milk', 'new']

result = replace_list(shopping)
print("after replace_list:", shopping)   # unchanged: ['milk', 'new']
print("returned:", result)               # the new list lives on here
print("result is shopping:", result is shopping)   # False
