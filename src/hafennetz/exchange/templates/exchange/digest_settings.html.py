BBBBBBB BBBBBBBBBBBBBBB BBBB
BBBBB BBBBB gettext(u'Daily digest') BBBBBBBB
BBBBB BBBBBBB
XX XXXXXXXXXXXXXXXXX XXXXXXBBB BBBBBBBBBBBBBBXX gettext(u'Exchange') XXXXXXXX
XXXX gettext(u'Daily digest') XXXXX
XXX gettext(u'Once a day, an e-mail with what happened on what you follow: practices you marked as helpful, commented on or wrote, and positions in their comment phase. Nothing happened, no e-mail.') XXXX
XXXXX XXXXXXXXXXXXX XXXXXXXXXXXXXXXXX XXXXXXXXXXXXXXXXXBBBBBBBBBBXXXXXXX XXXXXXXXXXXXXX gettext(u'Save') XXXXXXXXXXXXXXXX
BBBBBBBB
