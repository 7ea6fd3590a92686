BBBBBBB BBBBBBBBBBBBBBB BBBB
BBBBB BBBBB gettext(u'Unsubscribe') BBBBBBBB
BBBBB BBBBBBB
XXXX gettext(u'Unsubscribe from the daily digest') XXXXX
BB BBBBBBBXX XXXXXXXXXXXXXX XXXXXXXXXXXXXXXXXXXXXXXXX gettext(u'This link is not valid.') XXXX
BBBB BBBBXX XXXXXXXXXXXXXX XXXXXXXXXXXXXXXXXX gettext(u'You will receive no more daily digests. You can switch it on again under Exchange → Daily digest.') XXXX
BBBBXXXXX XXXXXXXXXXXXX XXXXXXXXXXXXXXXXXXBBBBBBBBBBXXX gettext(u'Receive no more daily digests?') XXXXXXXXXXX XXXXXXXXXXXXX XXXXXXXXXXXXXXXXX gettext(u'Unsubscribe') XXXXXXXXXXXXXXXXBBBBB
BBBBBBBB
