# my notes on numpy
raise ImportError('this is not numpy')
