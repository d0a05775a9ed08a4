"""A bare one-model insert view: the baseline the pledge sign POST is compared with."""
