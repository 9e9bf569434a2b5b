DROP TABLE referral_events;
DROP TABLE referrals;
DROP TABLE consents;
