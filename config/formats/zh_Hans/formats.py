# Django's zh_Hans groups digits by four with an empty separator, which writes a
# count ungrouped (1234567). The Unicode CLDR's Chinese, and Chinese sites, write
# 1,234,567: a count shown in Chinese is grouped so. Everything else (dates,
# decimals) stays Django's.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
