# A linked list: objects referring to objects.
#
# Each Node holds a value and a reference to the next node. Only `head` is a
# name in the program; the other nodes are reached by following `next`.

class Node:
    def __init__(self, value, next=None):
        self.value = value
        self.next = next


head = None
for value in [40, 30, 20, 10]:     # build 10 -> 20 -> 30 -> 40
    head = Node(value, head)

node = head
values = []
while node is not None:
    values.append(node.value)
    node = node.next
print("values:", values)

second = head.next                 # a second reference to node 20
head.next = head.next.next         # unlink node 20 from the chain
print("after unlink:", [head.value, head.next.value, head.next.next.value])
print("node 20 still alive through `second`:", second.value)
