DROP INDEX persons_annulled_idx;
