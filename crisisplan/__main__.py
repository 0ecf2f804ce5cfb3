from crisisplan.cli import main

main()
