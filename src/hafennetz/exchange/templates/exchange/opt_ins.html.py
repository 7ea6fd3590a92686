BBBBBBB BBBBBBBBBBBBBBB BBBB
BBBBB BBBBB gettext(u'Glad to be asked') BBBBBBBB
BBBBB BBBBBBB
XX XXXXXXXXXXXXXXXXX XXXXXXBBB BBBBBBBBBBBBBBXX gettext(u'Exchange') XXXXXXXX
XXXX gettext(u'Where %(member)s is glad to be asked') SSSSS SSSSSSSSSS SS SSSS SS SS SSSSSXXXXX
XXX gettext(u'Peers who struggle with a topic are shown your member if you tick it here. They can send a short introduction to the contact person you choose; your address is passed on only if you accept. Your strain level is shown to them only if your Lagebild report is shared with the members.') XXXX
XXXXX XXXXXXXXXXXXX XXXXXXXXXXXXXXXXX XXXXXXXXXXXXXXXXXBBBBBBBBBBXXXXXXX XXXXXXXXXXXXXX gettext(u'Save') XXXXXXXXXXXXXXXX
BBBBBBBB
