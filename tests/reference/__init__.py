"""Reference values from R (r_reference.json) and the data sets they were computed on."""
