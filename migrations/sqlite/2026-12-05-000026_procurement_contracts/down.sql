DROP TABLE contract_amendments;
DROP TABLE procurement_contracts;
