"""Interval forecasting: history import, methods, backtest selection, accuracy report."""
