"""The city's working calendar: working hours, public holidays and make-up days, deadlines."""
