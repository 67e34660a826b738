"""The content calendar (app label "calendar"): views, JSON feed, posting slots, notes, iCal."""
