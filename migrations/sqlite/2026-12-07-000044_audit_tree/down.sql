DROP TABLE audit_tree_head;
DROP TABLE audit_tree_hashes;
