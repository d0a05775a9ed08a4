# Django's Arabic writes decimals with a comma and groups nothing (1234567). Our
# pages write Western digits, and the Unicode CLDR's Arabic with those digits
# (latn) writes 1,234,567 and 2.5, as the starter pages' figures do: a count
# shown in Arabic is written so too. Dates stay Django's.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
