-- 0026: the fleet page's counts by verdict and presence, and its list of
-- makers, read small indexes instead of the devices table, whose rows
-- carry each phone's whole report: at 50,000 phones a table scan took
-- about 0.1 s per page view. Plain CREATE INDEX, as portable as it gets.
CREATE INDEX devices_by_status ON devices(online, verdict);
CREATE INDEX devices_by_maker ON devices(manufacturer);
