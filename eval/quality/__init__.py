"""The quality check calibrated and audited: domains, cases, the calibration table and readers' audit."""
