# A 500-node linked list, reached through one name.
class Node:
    def __init__(self, value, next=None):
        self.value = value
        self.next = next

head = None
for i in range(500):
    head = Node(i, head)
n = 0
node = head
while node is not None:
    n += 1
    node = node.next
print(n)
